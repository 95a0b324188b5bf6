/**
 * The scheduler platform service's declaration, in a module of its own so the scheduler
 * Lambda bundles only its own routes' schemas, not the whole registry (lib/registry/platform.ts
 * lists it with the others).
 */
import * as z from 'zod/mini';
import { intentSchema } from './intent-schema.ts';
import { healthSchema, intentListQuerySchema, schedulePayloadSchema } from './schemas.ts';
import { OPS, type PlatformServiceDefinition } from './types.ts';

export const scheduler: PlatformServiceDefinition = {
  name: 'scheduler',
  description: 'Optimistic scheduling: future intents as one-time schedules, cancelled by events, run once.',
  folder: 'scheduler',
  routes: [
    {
      method: 'POST',
      path: '/api/scheduler/intents',
      summary: 'Schedule a future intent (delete, archive, run a pattern), cancelled by events.',
      rule: 'scheduler.intents.create',
      idempotent: true,
      roles: OPS,
      body: schedulePayloadSchema,
      status: 202,
      response: intentSchema,
      example: {
        action: 'archive',
        run_at: '2030-01-01T00:00:00Z',
        pattern: 'campaign-archive',
        cancel_on: ['campaign.extended'],
        entity: { type: 'campaign', id: 'cmp_01' },
      },
    },
    {
      method: 'GET',
      path: '/api/scheduler/intents',
      summary: "An entity's intents.",
      rule: 'scheduler.intents.read',
      roles: OPS,
      query: intentListQuerySchema,
      response: z.object({ items: z.array(intentSchema) }),
    },
    {
      method: 'DELETE',
      path: '/api/scheduler/intents/{id}',
      summary: 'Cancel an intent.',
      rule: 'scheduler.intents.cancel',
      roles: OPS,
      params: z.object({ id: z.string().check(z.minLength(1), z.maxLength(128)) }),
      status: 200,
      response: intentSchema,
    },
    {
      method: 'GET',
      path: '/api/scheduler/health',
      public: true,
      summary: 'Health of the scheduler.',
      response: healthSchema,
    },
  ],
  consumes: ['*'],
  emits: ['scheduler.cancelled', 'scheduler.executed', 'scheduler.failed', 'pattern.run'],
  capabilities: ['future intents', 'cancellation', 'exactly-once execution', 'retention'],
  dependencies: ['nexus'],
  integrationPoints: ['nexus'],
};
