/**
 * EventBridge's limits on one PutEvents entry, checked before an event is accepted: an entry
 * EventBridge refuses after the API has answered 202 would be lost (retried by the outbox
 * publisher until its dead-letter queue).
 *
 * - `DetailType` at most 128 characters, `Source` at most 256;
 * - the entry at most 256 KB, counted as EventBridge counts it: UTF-8 bytes of `Source`,
 *   `DetailType`, `Detail` and each `Resources` ARN, plus 14 bytes when `Time` is set.
 */
import * as z from 'zod/mini';
import { type FieldIssue, payloadTooLarge, validationError } from '../errors.ts';
import { isWellFormedUnicode, LONE_SURROGATE_MESSAGE, utf8Bytes } from './dynamodb.ts';

export const EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS = 128;
export const EVENTBRIDGE_MAX_SOURCE_CHARS = 256;
export const EVENTBRIDGE_MAX_ENTRY_BYTES = 256 * 1024;
/** What `Time` adds to an entry's size. */
const TIME_BYTES = 14;

/**
 * The parts of a PutEvents entry that count towards its size (an SDK `PutEventsRequestEntry`,
 * e.g. the publisher's `toEntry(envelope)`, is one; absent parts count 0).
 */
export interface EventEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: readonly string[];
  Time?: unknown;
}

/** Size of a PutEvents entry as EventBridge computes it. */
export function eventEntrySize(e: EventEntry): number {
  return (
    utf8Bytes(e.Source ?? '') +
    utf8Bytes(e.DetailType ?? '') +
    utf8Bytes(e.Detail ?? '') +
    (e.Resources ?? []).reduce((n, r) => n + utf8Bytes(r), 0) +
    (e.Time === undefined ? 0 : TIME_BYTES)
  );
}

const boundedChars = (max: number, what: string) =>
  z.string().check((ctx) => {
    const v = ctx.value;
    if (!isWellFormedUnicode(v))
      ctx.issues.push({ code: 'custom', message: LONE_SURROGATE_MESSAGE, input: v });
    else if (v.length > max)
      ctx.issues.push({ code: 'custom', message: `must be at most ${max} characters (${what})`, input: v });
  });

/** An event type, which is the entry's `DetailType`: at most 128 characters. */
export const eventDetailType = (): z.ZodMiniString =>
  boundedChars(EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS, "EventBridge's detail-type limit");

/** An event source: at most 256 characters. */
export const eventSource = (): z.ZodMiniString =>
  boundedChars(EVENTBRIDGE_MAX_SOURCE_CHARS, "EventBridge's source limit");

/**
 * Issues of an entry that EventBridge would refuse, under `paths` (which body fields the
 * detail-type, source and detail came from, e.g. `type`, `service`, `payload`).
 */
export function eventEntryIssues(
  e: EventEntry,
  paths: { detailType?: string; source?: string; detail?: string } = {},
): { issues: FieldIssue[]; size: number } {
  const issues: FieldIssue[] = [];
  if ((e.DetailType ?? '').length > EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS)
    issues.push({
      path: paths.detailType ?? 'type',
      message: `must be at most ${EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS} characters (EventBridge's detail-type limit)`,
    });
  if ((e.Source ?? '').length > EVENTBRIDGE_MAX_SOURCE_CHARS)
    issues.push({
      path: paths.source ?? 'source',
      message: `must be at most ${EVENTBRIDGE_MAX_SOURCE_CHARS} characters (EventBridge's source limit)`,
    });
  return { issues, size: eventEntrySize(e) };
}

/**
 * Throw the contract error for an entry EventBridge would refuse: 400 naming the field for a
 * long detail-type or source, 413 naming `paths.detail` (default `payload`) with
 * `{ limit, size }` for an entry over 256 KB.
 */
export function assertEventEntry(
  e: EventEntry,
  paths: { detailType?: string; source?: string; detail?: string } = {},
): void {
  const { issues, size } = eventEntryIssues(e, paths);
  if (issues.length) throw validationError(issues);
  if (size > EVENTBRIDGE_MAX_ENTRY_BYTES) {
    const field = paths.detail ?? 'payload';
    throw payloadTooLarge(
      `${field}: the event would be ${size} bytes; EventBridge accepts at most ${EVENTBRIDGE_MAX_ENTRY_BYTES}`,
      { limit: EVENTBRIDGE_MAX_ENTRY_BYTES, size, path: field },
    );
  }
}
