/**
 * The scheduler's contract (SDK-free): its routes, the events it emits, what it consumes. The
 * schemas are in ./contract-schedule.ts (the `scheduler.schedule` payload any service sends) and
 * ./contract-schemas.ts (its routes' shapes). The scheduler Lambda imports this module, not the
 * registry, so it bundles only its own routes' schemas; lib/registry/platform.ts lists it.
 */
import { healthSchema } from '../registry/schemas-health.ts';
import { OPS, type PlatformServiceDefinition } from '../registry/types.ts';
import { schedulePayloadSchema } from './contract-schedule.ts';
import {
  cancellationBodySchema,
  cancellationIdParamsSchema,
  cancellationJobSchema,
  cancellationPreviewSchema,
  intentIdParamsSchema,
  intentPageSchema,
  intentSchema,
  intentSearchQuerySchema,
  intentSummarySchema,
  rescheduleBodySchema,
} from './contract-schemas.ts';

/** Every event the scheduler emits about an intent (each is in the entity's audit story). */
export const INTENT_EVENTS = [
  'scheduler.scheduled',
  'scheduler.deferred',
  'scheduler.materialized',
  'scheduler.rescheduled',
  'scheduler.cancelled',
  'scheduler.executed',
  'scheduler.failed',
] as const;

/** The events of a bulk cancellation job (entity `intent_cancellation`, id the job's). */
export const CANCELLATION_EVENTS = {
  started: 'scheduler.cancellation.started',
  progressed: 'scheduler.cancellation.progressed',
  completed: 'scheduler.cancellation.completed',
} as const;

export const scheduler: PlatformServiceDefinition = {
  name: 'scheduler',
  description:
    'Optimistic scheduling: future intents as one-time schedules (created once within the horizon), cancelled by events, run once; search, reschedule and bulk cancel.',
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
      summary:
        'Search intents across entities by status, action, pattern, entity type or id and run_at range, ordered by run_at (never a scan).',
      rule: 'scheduler.intents.read',
      roles: OPS,
      query: intentSearchQuerySchema,
      response: intentPageSchema,
    },
    {
      method: 'GET',
      path: '/api/scheduler/intents/summary',
      summary: 'Scheduled intents counted by pattern and by when they are due (next hour, day, week, later).',
      rule: 'scheduler.intents.read',
      roles: OPS,
      response: intentSummarySchema,
    },
    {
      method: 'PATCH',
      path: '/api/scheduler/intents/{id}',
      summary:
        'Reschedule an intent in place: a new run_at and/or cancel_on, a new generation; the old one can no longer fire.',
      rule: 'scheduler.intents.reschedule',
      roles: OPS,
      params: intentIdParamsSchema,
      body: rescheduleBodySchema,
      status: 200,
      response: intentSchema,
      example: { run_at: '2030-02-01T00:00:00Z', cancel_on: ['campaign.extended', 'policy_override'] },
    },
    {
      method: 'DELETE',
      path: '/api/scheduler/intents/{id}',
      summary: 'Cancel an intent.',
      rule: 'scheduler.intents.cancel',
      roles: OPS,
      params: intentIdParamsSchema,
      status: 200,
      response: intentSchema,
    },
    {
      method: 'POST',
      path: '/api/scheduler/intents/cancellations',
      summary:
        'Cancel every scheduled intent a filter matches: a dry run (200, the count and the first 20) or a job (202).',
      rule: 'scheduler.intents.cancel',
      idempotent: true,
      roles: OPS,
      body: cancellationBodySchema,
      status: 202,
      response: cancellationJobSchema,
      alsoAnswers: [
        {
          status: 200,
          description: 'A dry run: the count and the first 20',
          response: cancellationPreviewSchema,
        },
      ],
      example: {
        filter: { pattern: 'campaign-archive', entity_type: 'campaign' },
        reason: 'campaign archiving paused',
        dry_run: true,
      },
    },
    {
      method: 'GET',
      path: '/api/scheduler/intents/cancellations/{id}',
      summary: "A bulk cancellation's progress: matched, cancelled, skipped, and its status.",
      rule: 'scheduler.intents.read',
      roles: OPS,
      params: cancellationIdParamsSchema,
      response: cancellationJobSchema,
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
  emits: [...INTENT_EVENTS, ...Object.values(CANCELLATION_EVENTS), 'pattern.run'],
  capabilities: [
    'future intents',
    'cancellation',
    'exactly-once execution',
    'retention',
    'intent search',
    'reschedule',
    'bulk cancellation',
    'scheduling horizon',
  ],
  dependencies: ['nexus'],
  integrationPoints: ['nexus'],
};
