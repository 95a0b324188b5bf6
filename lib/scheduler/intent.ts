/**
 * An intent as the scheduler keeps it in `_scheduler_intents`, and the names of its indexes.
 *
 * Indexes (every one a Query, never a Scan; docs/scheduler.md "Search"):
 * - `by_entity` (entity_id, run_at): an entity's intents; cancellation by event; `entity_id=`.
 * - `by_status` (status, run_at): `status=`; with no entity_id or pattern, the other filters
 *   over the five status partitions merged in run_at order; the summary.
 * - `by_pattern` (pattern, run_at): `pattern=`.
 * - `by_deferred` (deferred_key, run_at), sparse: only intents waiting for their schedule carry
 *   `deferred_key`; the materializer reads the ones due within the horizon.
 */
import type { SchedulePayload } from '../events/schedule.ts';
import type { IntentStatus } from './contract-schedule.ts';

export type { IntentStatus };

/** `created`: its EventBridge Scheduler schedule exists; `deferred`: only the table holds it (yet). */
export type ScheduleState = 'created' | 'deferred';

export interface IntentRecord {
  id: string;
  entity_type: string;
  entity_id: string;
  action: SchedulePayload['action'];
  pattern: string;
  run_at: string;
  cancel_on: string[];
  payload?: Record<string, unknown>;
  status: IntentStatus;
  generation: number;
  attempts: number;
  lease_until: number;
  /** The schedule of this generation (lib/scheduler/names.ts `scheduleName`). */
  schedule_name: string;
  schedule: ScheduleState;
  /** Set (to {@link DEFERRED}) while scheduled and deferred: the `by_deferred` index key. */
  deferred_key?: typeof DEFERRED;
  correlation_id: string;
  created_at: string;
  updated_at: string;
  reason?: string;
  /** The bulk cancellation that cancelled it. */
  job_id?: string;
}

export const INDEX = {
  entity: 'by_entity',
  status: 'by_status',
  pattern: 'by_pattern',
  deferred: 'by_deferred',
} as const;

/** The one partition value of the sparse `by_deferred` index. */
export const DEFERRED = 'deferred';

/** The API's view of an intent: the index key is not part of it. */
export function intentView(i: IntentRecord): Omit<IntentRecord, 'deferred_key'> {
  const { deferred_key: _, ...view } = i;
  return view;
}
