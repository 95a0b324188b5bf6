/**
 * The Nexus contract (SDK-free): `POST /api/events` and the event envelope it answers (the
 * shape audit records carry too). The relay itself is core (lib/events/publisher.ts).
 */
import * as z from 'zod/mini';
import { idString, jsonObject } from '../limits/index.ts';
import { DOMAIN_NAMES } from '../registry/declared.ts';
import { eventTypeSchema, policyKeySchema } from '../registry/schemas.ts';
import { OPS, type PlatformServiceDefinition } from '../registry/types.ts';

/** `POST /api/events`: an event an operator puts on the bus. */
export const eventBodySchema = z.strictObject({
  type: eventTypeSchema,
  /** Emitting service, e.g. `billing-sync` → source `tempora.billing-sync`; default `api`. */
  service: z._default(
    z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case service name')),
    'api',
  ),
  entity: z.strictObject({
    type: z.string().check(z.minLength(1), z.maxLength(64)),
    id: idString(),
    version: z._default(z.number().check(z.int(), z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)), 0),
  }),
  payload: z.optional(jsonObject()),
});

const role = policyKeySchema.shape.role;

/** The Nexus event envelope as the API returns it (`POST /api/events`, audit records). */
export const envelopeResponseSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  version: z.string(),
  source: z.string(),
  environment: z.string(),
  occurred_at: z.string(),
  correlation_id: z.string(),
  actor: z.object({ id: z.string(), role }),
  entity: z.object({ type: z.string(), id: z.string(), version: z.number().check(z.int()) }),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

export const nexus: PlatformServiceDefinition = {
  name: 'nexus',
  description:
    'The event bus: outbox relay to EventBridge, routing rules from the registry, POST /api/events.',
  folder: 'nexus-publisher',
  routes: [
    {
      method: 'POST',
      path: '/api/events',
      summary: 'Put an event on the Nexus bus (through the outbox).',
      rule: 'nexus.events.put',
      idempotent: true,
      roles: OPS,
      body: eventBodySchema,
      status: 202,
      response: envelopeResponseSchema,
      example: {
        type: 'billing.invoice_paid',
        service: 'billing-sync',
        entity: { type: 'invoice', id: 'inv_1042' },
        payload: { amount: 49.5, currency: 'EUR' },
      },
    },
  ],
  consumes: [],
  emits: [],
  capabilities: ['orchestration', 'patterns', 'event routing', 'event archive'],
  // Every domain service publishes through the outbox this relays (derived from lib/registry/domain.ts).
  dependencies: DOMAIN_NAMES,
  integrationPoints: ['amadeus'],
};
