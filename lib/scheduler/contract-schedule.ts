/**
 * The scheduler's contract, part one: the `scheduler.schedule` payload every other service may
 * send (`POST /api/scheduler/intents`, or the event on the bus) and the words an intent is
 * described with. A module of its own, apart from ./contract-schemas.ts: the core's
 * lib/events/schedule.ts (bundled into every Lambda that schedules) needs only this.
 */
import * as z from 'zod/mini';
import { eventTypeSchema } from '../registry/schemas.ts';

/** What a scheduler intent does when it fires. */
export const ACTIONS = ['delete', 'archive', 'run_pattern'] as const;
export type IntentAction = (typeof ACTIONS)[number];

/** Where an intent is in its life (only a `scheduled` one can be cancelled). */
export const INTENT_STATUSES = ['scheduled', 'executing', 'cancelled', 'executed', 'failed'] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

/**
 * The `scheduler.schedule` payload of the contract (`POST /api/scheduler/intents`, or the event
 * on the bus): what to do to which entity, when, and which events cancel it.
 */
export const schedulePayloadSchema = z.strictObject({
  action: z.enum(ACTIONS),
  run_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
  pattern: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(64),
      z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, dots, dashes or underscores'),
    ),
  cancel_on: z._default(z.array(eventTypeSchema).check(z.maxLength(20)), []),
  entity: z.strictObject({
    type: z.string().check(z.minLength(1), z.maxLength(64)),
    id: z.string().check(z.minLength(1), z.maxLength(128)),
  }),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

export type SchedulePayload = z.infer<typeof schedulePayloadSchema>;
