/**
 * The `scheduler.schedule` payload of the contract: what to do to which entity, when, and
 * which events cancel it. Declared in the scheduler's contract (the body of
 * `POST /api/scheduler/intents`, enforced by the kit); re-exported here for the bus side (the
 * scheduler validates bus input too).
 */
export {
  ACTIONS,
  type IntentAction,
  type SchedulePayload,
  schedulePayloadSchema,
} from '../scheduler/contract-schedule.ts';

/** How far in the future `run_at` must be (the emulator and AWS both fire at minute-ish precision). */
export const MIN_LEAD_MS = 1_000;
