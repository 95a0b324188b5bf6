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

const bodySchema = z.strictObject({
  type: envelopeSchema.shape.type,
  /** Emitting service, e.g. `billing-sync` → source `tempora.billing-sync`; default `api`. */
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case service name')
    .default('api'),
  entity: z.strictObject({
    type: z.string().min(1).max(64),
    id: z.string().min(1).max(128),
    version: z.number().int().nonnegative().default(0),
  }),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export function eventRoutes(ddb: DynamoDBDocumentClient, outboxTable: string, environment: string): Routes {
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
        await emit(ddb, outboxTable, [envelope]);
        return json(202, envelope);
      },
    },
  };
}
