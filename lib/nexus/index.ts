/**
 * The nexus service's HTTP entry point: `POST /api/events`, where admin and service callers put
 * an event on the Nexus bus (through the outbox). The relay itself is core: lib/events/publisher.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import { buildEnvelope } from '../events/envelope.ts';
import { emit } from '../events/outbox.ts';
import { toEntry } from '../events/publisher.ts';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { assertEventEntry } from '../limits/index.ts';
import type { eventBodySchema } from './contract.ts';

export function eventRoutes(
  ddb: DynamoDBDocumentClient,
  outboxTable: string,
  environment: string,
  busName = '',
): Routes {
  return {
    'POST /api/events': {
      handler: async (req) => {
        const actor = req.principal;
        if (!actor) throw new Error('route requires a principal');
        const body = { data: inputOf<unknown, unknown, z.output<typeof eventBodySchema>>(req).body };
        const envelope = buildEnvelope({
          type: body.data.type,
          service: body.data.service,
          environment,
          correlationId: req.correlationId,
          actor: { id: actor.sub, role: actor.role },
          entity: body.data.entity,
          ...(body.data.payload ? { payload: body.data.payload } : {}),
        });
        // The entry the publisher will put must fit EventBridge (256 KB): refuse it now rather
        // than answer 202 and lose it later (413 naming `payload`).
        assertEventEntry(toEntry(envelope, busName), {
          detailType: 'type',
          source: 'service',
          detail: 'payload',
        });
        await emit(ddb, outboxTable, [envelope]);
        return json(202, envelope);
      },
    },
  };
}
