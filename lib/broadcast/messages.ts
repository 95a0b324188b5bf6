/**
 * The WebSocket client protocol besides `campaign.state`: what clients send, and the frames
 * the server answers with. Parsing never throws: every bad input becomes an error frame
 * and the connection stays open.
 *
 * Client → server (route selection `$request.body.action`, everything lands on `$default`):
 *   { "action": "ping", "id"? }            → { "type": "pong", "id"?, "ts" }
 *   { "action": "score", "delta", "id"? }  → { "type": "score", "campaign_id", "user", "score", "id"? }
 * Errors: { "type": "error", "code", "message", "id"? } with code one of {@link ErrorCode}.
 */
import * as z from 'zod/mini';
import { scoreDeltaSchema } from './contract.ts';
import { rfc3339Of, type Timestamp } from './frame.ts';

/** Largest inbound message accepted, in UTF-8 bytes (API Gateway's own frame limit is 32 KB). */
export const MAX_INBOUND_BYTES = 4096;
/** The leaderboard's user id and score delta, declared once in the registry. */
export { MAX_SCORE_DELTA, scoreDeltaSchema, userIdSchema } from './contract.ts';

export type ErrorCode =
  | 'message_too_large'
  | 'invalid_json'
  | 'invalid_message'
  | 'unknown_action'
  | 'rate_limited'
  | 'unknown_connection'
  | 'internal_error';

/** Client correlation id, echoed on the answer. */
const messageId = z.optional(z.string().check(z.minLength(1), z.maxLength(64)));

const pingSchema = z.strictObject({ action: z.literal('ping'), id: messageId });
const scoreSchema = z.strictObject({ action: z.literal('score'), delta: scoreDeltaSchema, id: messageId });

export const ACTIONS = ['ping', 'score'] as const;

export type ClientMessage = z.infer<typeof pingSchema> | z.infer<typeof scoreSchema>;

export type ParsedMessage =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; id?: string };

/** Bytes of a WebSocket message body as API Gateway hands it over. */
export function bodyBytes(body: string | null | undefined, isBase64Encoded = false): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** Validate one client message; the size is checked before anything is parsed. */
export function parseClientMessage(raw: Buffer, maxBytes: number = MAX_INBOUND_BYTES): ParsedMessage {
  if (raw.byteLength > maxBytes) {
    return {
      ok: false,
      code: 'message_too_large',
      message: `Message is ${raw.byteLength} bytes; the limit is ${maxBytes}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'invalid_json', message: `Malformed JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      code: 'invalid_message',
      message: 'A message must be a JSON object with an "action"',
    };
  }
  const obj = value as Record<string, unknown>;
  const id = typeof obj.id === 'string' && obj.id.length > 0 && obj.id.length <= 64 ? obj.id : undefined;
  const withId = id === undefined ? {} : { id };
  if (typeof obj.action !== 'string') {
    return { ok: false, code: 'invalid_message', message: 'Missing "action" (ping | score)', ...withId };
  }
  const schema = obj.action === 'ping' ? pingSchema : obj.action === 'score' ? scoreSchema : undefined;
  if (schema === undefined) {
    return {
      ok: false,
      code: 'unknown_action',
      message: `Unknown action "${obj.action.slice(0, 64)}"; expected one of ${ACTIONS.join(', ')}`,
      ...withId,
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
      .join('; ');
    return { ok: false, code: 'invalid_message', message: `Invalid ${obj.action}: ${issues}`, ...withId };
  }
  return { ok: true, message: parsed.data };
}

const idOf = (id: string | undefined) => (id === undefined ? {} : { id });

/** `{ type: "error", code, message, id? }`. */
export function errorFrame(code: ErrorCode, message: string, id?: string): string {
  return JSON.stringify({ type: 'error', code, message, ...idOf(id) });
}

/** `{ type: "pong", id?, ts }`. */
export function pongFrame(ts: Timestamp, id?: string): string {
  return JSON.stringify({ type: 'pong', ...idOf(id), ts: rfc3339Of(ts) });
}

/** `{ type: "score", campaign_id, user, score, id? }`: the caller's new score. */
export function scoreFrame(campaignId: string, user: string, score: number, id?: string): string {
  return JSON.stringify({ type: 'score', campaign_id: campaignId, user, score, ...idOf(id) });
}

/** Server frames other than `campaign.state` and the notices, for clients and tests. */
export const errorFrameSchema = z.strictObject({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  id: z.optional(z.string()),
});
export const pongFrameSchema = z.strictObject({
  type: z.literal('pong'),
  id: z.optional(z.string()),
  ts: z.iso.datetime({ offset: true }),
});
export const scoreFrameSchema = z.strictObject({
  type: z.literal('score'),
  campaign_id: z.string(),
  user: z.string(),
  score: z.number(),
  id: z.optional(z.string()),
});
