/**
 * A scheduler intent as the API answers it, in a module of its own: the scheduler's route
 * declaration needs only this schema, and importing lib/registry/responses.ts would bundle every
 * response schema into the scheduler Lambda (a module's top-level zod constructions are kept).
 */
import * as z from 'zod/mini';
import { ACTIONS, INTENT_STATUSES } from './schemas.ts';

/** A scheduler intent (lib/scheduler/service.ts `IntentRecord`). */
export const intentSchema = z.object({
  id: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.enum(ACTIONS),
  pattern: z.string(),
  run_at: z.string(),
  cancel_on: z.array(z.string()),
  payload: z.optional(z.record(z.string(), z.unknown())),
  status: z.enum(INTENT_STATUSES),
  generation: z.number().check(z.int()),
  attempts: z.number().check(z.int()),
  lease_until: z.number(),
  schedule_name: z.string(),
  /** `created`: its EventBridge Scheduler schedule exists; `deferred`: kept in the table until it enters the horizon. */
  schedule: z.enum(['created', 'deferred']),
  correlation_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  reason: z.optional(z.string()),
  /** The bulk cancellation that cancelled it. */
  job_id: z.optional(z.string()),
});
