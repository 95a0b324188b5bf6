/**
 * Optimistic scheduling: future intents kept as one-time schedules, cancelled by the events
 * they list, otherwise executed exactly once (docs/scheduler.md).
 *
 * Every state change of an intent is ONE conditional write on its `generation` and `status`
 * (with the event it emits, through the outbox), never a read-then-write:
 *   scheduled ──fire──▶ executing ──▶ executed | failed
 *   scheduled ──cancel──▶ cancelled
 *   scheduled ──reschedule──▶ scheduled (generation + 1)
 * and, within `scheduled`, the schedule's own state: `deferred` (only the table holds it: beyond
 * the horizon, or its schedule not made yet) ──materialize──▶ `created`. Each generation has
 * its own EventBridge Scheduler schedule (lib/scheduler/names.ts), made BEFORE the write that
 * records it (`deferred → created`, conditional on the generation, the status and the schedule
 * state): a materializer that loses that write to a cancel, a reschedule or a fire deletes the
 * schedule it made, unless its generation still owns it; a cancel or a reschedule conditions on
 * the schedule state it read, so it deletes exactly the schedules that were recorded. A fire of
 * any generation but the current one, or of an intent no longer `scheduled`, is skipped.
 *
 * The service puts the intent's transitions together, one job per file: the table and what
 * every transition shares (intent-table.ts), scheduling and rescheduling (schedule-intent.ts),
 * materializing (materialize.ts), cancelling (cancel-intent.ts) and firing (fire.ts).
 */
import type { EventEnvelope } from '../events/envelope.ts';
import {
  type CancelJob,
  cancelForDeleted,
  cancelIntent,
  cancelMatching,
  tryCancel,
} from './cancel-intent.ts';
import type { RescheduleBody } from './contract-schemas.ts';
import { type ActionRunner, defaultAction, fire } from './fire.ts';
import type { IntentRecord } from './intent.ts';
import { IntentTable, SCHEDULER_ACTOR, type SchedulerDeps } from './intent-table.ts';
import { type Materialized, materialize, materializeOne } from './materialize.ts';
import { reschedule, scheduleFromEvent, scheduleIntent } from './schedule-intent.ts';

export type { CancelJob } from './cancel-intent.ts';
export type { ActionRunner } from './fire.ts';
export type { IntentRecord, IntentStatus, ScheduleState } from './intent.ts';
export {
  DEFAULT_HORIZON_MS,
  DEFAULT_MATERIALIZE_LIMIT,
  ENTITY_DELETED,
  MAX_ATTEMPTS,
  MIN_SCHEDULE_LEAD_MS,
  SCHEDULER_ACTOR,
  type SchedulerDeps,
} from './intent-table.ts';
export type { Materialized } from './materialize.ts';

export class SchedulerService extends IntentTable {
  private readonly runAction: ActionRunner;

  /** `runAction` runs an intent's action (replaceable in tests to force interleavings). */
  constructor(deps: SchedulerDeps, runAction?: ActionRunner) {
    super(deps);
    this.runAction = runAction ?? ((i) => defaultAction(this, i));
  }

  /**
   * Validate a `scheduler.schedule` payload and keep it as an intent (a new generation of the
   * entity's intent of that pattern); within the horizon its schedule is made at once.
   */
  schedule(input: unknown, correlationId: string): Promise<IntentRecord> {
    return scheduleIntent(this, input, correlationId);
  }

  /** Make a deferred generation's schedule and record it (materialize.ts). */
  materializeOne(
    intent: IntentRecord,
    event?: 'scheduler.scheduled' | 'scheduler.materialized',
  ): Promise<Materialized> {
    return materializeOne(this, intent, event);
  }

  /** One materializer run over the deferred intents due within the horizon (materialize.ts). */
  materialize(limit?: number) {
    return materialize(this, limit);
  }

  /** Every Nexus event: schedule requests, cancellations, and fresh intents a verb asked for. */
  async onEvent(envelope: EventEnvelope): Promise<void> {
    if (envelope.type === 'scheduler.schedule') {
      await scheduleFromEvent(this, envelope, envelope.payload);
      return;
    }
    // A deleted entity (by a client or by a scheduled delete) keeps no pending intent.
    if (envelope.type === `${envelope.entity.type}.deleted`) {
      await cancelForDeleted(this, envelope);
      return;
    }
    // Events the scheduler itself caused (its own events, its metadata writes) never feed back.
    if (envelope.source === 'tempora.scheduler' || envelope.actor.id === SCHEDULER_ACTOR.sub) return;
    await cancelMatching(this, envelope);
    const reschedule = envelope.payload?.reschedule;
    if (Array.isArray(reschedule)) {
      for (const p of reschedule) await scheduleFromEvent(this, envelope, p);
    }
  }

  /** Cancel every scheduled intent of the event's entity whose `cancel_on` lists the event type. */
  cancelMatching(envelope: EventEnvelope): Promise<IntentRecord[]> {
    return cancelMatching(this, envelope);
  }

  /** The cascade of a deletion: every intent of the deleted entity still scheduled is cancelled. */
  cancelForDeleted(envelope: EventEnvelope): Promise<IntentRecord[]> {
    return cancelForDeleted(this, envelope);
  }

  /** Cancel one intent by id (API). 404 unknown, 409 when it is no longer scheduled. */
  cancel(id: string, reason: string, correlationId?: string): Promise<IntentRecord> {
    return cancelIntent(this, id, reason, correlationId);
  }

  /** scheduled → cancelled in one conditional transaction (cancel-intent.ts); undefined when not scheduled. */
  tryCancel(
    intent: IntentRecord,
    reason: string,
    opts: { correlationId?: string; job?: CancelJob; sameGeneration?: boolean } = {},
  ): Promise<IntentRecord | undefined> {
    return tryCancel(this, intent, reason, opts);
  }

  /** Reschedule in place (`PATCH /api/scheduler/intents/{id}`) as a new generation. */
  reschedule(id: string, body: RescheduleBody, correlationId: string): Promise<IntentRecord> {
    return reschedule(this, id, body, correlationId);
  }

  /** The schedule fired: run the action once (fire.ts). */
  fire(intentId: string, generation: number): Promise<'executed' | 'skipped' | 'cancelled' | 'failed'> {
    return fire(this, this.runAction, intentId, generation);
  }
}
