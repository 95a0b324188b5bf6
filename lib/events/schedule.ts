/**
 * The `scheduler.schedule` payload of the contract: what to do to which entity, when, and
 * which events cancel it.
 */
import * as z from 'zod';

export const ACTIONS = ['delete', 'archive', 'run_pattern'] as const;
export type IntentAction = (typeof ACTIONS)[number];

const eventType = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be an event type such as user.reactivated');

export const schedulePayloadSchema = z.strictObject({
  action: z.enum(ACTIONS),
  run_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
  pattern: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, dots, dashes or underscores'),
  cancel_on: z.array(eventType).max(20).default([]),
  entity: z.strictObject({ type: z.string().min(1).max(64), id: z.string().min(1).max(128) }),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export type SchedulePayload = z.infer<typeof schedulePayloadSchema>;

/** How far in the future `run_at` must be (the emulator and AWS both fire at minute-ish precision). */
export const MIN_LEAD_MS = 1_000;
