/**
 * The nexus service's HTTP entry point: `POST /api/events`, where admin and service callers put
 * an event on the Nexus bus (through the outbox). The relay itself is core: lib/events/publisher.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Routes } from '../edge/http-types.ts';
import { json } from '../edge/response.ts';
import { forbidden, toFieldIssues, validationError } from '../errors.ts';
import { buildEnvelope, envelopeSchema } from '../events/envelope.ts';
import { emit } from '../events/outbox.ts';
import { toEntry } from '../events/publisher.ts';
import { assertEventEntry, idString, jsonObject } from '../limits/index.ts';

const bodySchema = z.strictObject({
  /** The envelope's type (lib/events/envelope.ts): dotted lower-case, ≤ 128 chars (EventBridge). */
  type: envelopeSchema.shape.type,
  /** Emitting service, e.g. `billing-sync` → source `tempora.billing-sync`; default `api`. */
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case service name')
    .default('api'),
  entity: z.strictObject({
    type: z.string().min(1).max(64),
    id: idString(),
    version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  }),
  payload: jsonObject().optional(),
});

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
        if (!actor || (actor.role !== 'admin' && actor.role !== 'service')) {
          throw forbidden('Only admin and service callers may put events on the bus', {
            rule: 'nexus.events.put',
            allowed_roles: ['admin', 'service'],
          });
        }
        const body = bodySchema.safeParse(req.body);
        if (!body.success) throw validationError(toFieldIssues(body.error.issues));
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
