/**
 * Server frames of the WebSocket broadcast (CONTRACT.md, "WebSocket broadcast"):
 * `{ type: "campaign.state", campaign_id, seq, ts, payload: { leaderboard,
 * live_participant_count, … } }`, plus the `broadcast.started` / `broadcast.stopped`
 * notices sent at the edges of a broadcast window.
 *
 * Builders return the JSON text: a frame is serialized once per tick and the same text
 * (bytes) goes to every connection. The builders trust their typed input and do not
 * validate it (they run on every tick); the schemas are for readers of frames (clients,
 * tests) and for checking input that did not come from typed code.
 */
import * as z from 'zod/mini';

const rfc3339 = z.iso.datetime({ offset: true });

/**
 * One leaderboard row (as in `service_specific.campaign.leaderboard`); `value` is the ranking
 * formula's result when the campaign has one (null when it is not a finite number).
 */
export const leaderboardEntrySchema = z.looseObject({ user: z.string(), score: z.number() });

/** Payload of a `campaign.state` frame; further fields are allowed and kept. */
export const campaignStatePayloadSchema = z.looseObject({
  leaderboard: z.array(leaderboardEntrySchema),
  live_participant_count: z.number().check(z.int(), z.nonnegative()),
});

const count = z.number().check(z.int(), z.nonnegative());

/**
 * A `campaign.state` frame as clients receive it: the full state at `seq`. `missed`: frames of
 * the campaign this connection did not get since its last delivered one (websocket, only when
 * some were lost); `resumed`: the snapshot a reconnecting client gets right after connecting
 * with `last_seq` (`from` null when that was not a usable seq).
 */
export const campaignStateFrameSchema = z.strictObject({
  type: z.literal('campaign.state'),
  campaign_id: z.string().check(z.minLength(1)),
  seq: z.number().check(z.int(), z.positive()),
  missed: z.optional(count),
  resumed: z.optional(
    z.union([
      z.strictObject({ from: z.number().check(z.int(), z.nonnegative()), missed: count }),
      z.strictObject({ from: z.null() }),
    ]),
  ),
  ts: rfc3339,
  payload: campaignStatePayloadSchema,
});

/**
 * A `campaign.delta` frame (opt-in): the rows of the top N that changed since the frame of
 * `base_seq` (each with its 1-based `rank`) and the users that left it; the other payload fields
 * whole (lib/broadcast/delta.ts).
 */
export const campaignDeltaFrameSchema = z.strictObject({
  type: z.literal('campaign.delta'),
  campaign_id: z.string().check(z.minLength(1)),
  seq: z.number().check(z.int(), z.positive()),
  base_seq: z.number().check(z.int(), z.positive()),
  ts: rfc3339,
  payload: z.looseObject({
    removed: z.array(z.string()),
    rows: z.array(
      z.looseObject({ user: z.string(), score: z.number(), rank: z.number().check(z.int(), z.positive()) }),
    ),
    live_participant_count: count,
  }),
});

/** A `broadcast.started` / `broadcast.stopped` notice. */
export const broadcastNoticeSchema = z.strictObject({
  type: z.enum(['broadcast.started', 'broadcast.stopped']),
  campaign_id: z.string().check(z.minLength(1)),
  ts: rfc3339,
});

/** A `campaign.transport` frame: from `seq` on, the campaign's frames come on `transport` (lib/broadcast/join.ts). */
export const campaignTransportFrameSchema = z.strictObject({
  type: z.literal('campaign.transport'),
  campaign_id: z.string().check(z.minLength(1)),
  seq: z.number().check(z.int(), z.positive()),
  ts: rfc3339,
  transport: z.enum(['websocket', 'events']),
  websocket: z.strictObject({ url: z.string() }),
  events: z.optional(
    z.strictObject({ realtime_url: z.string(), http_host: z.string(), channel: z.string() }),
  ),
});

/** Types of the frames, inferred from their schemas. */
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;
export type CampaignStatePayload = z.infer<typeof campaignStatePayloadSchema>;
export type CampaignStateFrame = z.infer<typeof campaignStateFrameSchema>;
export type BroadcastNotice = z.infer<typeof broadcastNoticeSchema>;
export type CampaignTransportFrame = z.infer<typeof campaignTransportFrameSchema>;
export type CampaignDeltaFrame = z.infer<typeof campaignDeltaFrameSchema>;

/** A point in wall-clock time: epoch milliseconds, a `Date`, or an RFC 3339 string. */
export type Timestamp = number | Date | string;

/** RFC 3339 text (UTC, millisecond precision) of a timestamp. */
export function rfc3339Of(ts: Timestamp): string {
  return (ts instanceof Date ? ts : new Date(ts)).toISOString();
}

/** Serialize a `campaign.state` frame (call once per tick, not per connection). */
export function campaignStateFrame(input: {
  campaignId: string;
  seq: number;
  ts: Timestamp;
  payload: CampaignStatePayload;
}): string {
  const frame: CampaignStateFrame = {
    type: 'campaign.state',
    campaign_id: input.campaignId,
    seq: input.seq,
    ts: rfc3339Of(input.ts),
    payload: input.payload,
  };
  return JSON.stringify(frame);
}

/** Serialize a `campaign.delta` frame of tick `seq` against the frame of `baseSeq`. */
export function campaignDeltaFrame(input: {
  campaignId: string;
  seq: number;
  baseSeq: number;
  ts: Timestamp;
  payload: CampaignDeltaFrame['payload'];
}): string {
  const frame: CampaignDeltaFrame = {
    type: 'campaign.delta',
    campaign_id: input.campaignId,
    seq: input.seq,
    base_seq: input.baseSeq,
    ts: rfc3339Of(input.ts),
    payload: input.payload,
  };
  return JSON.stringify(frame);
}

/**
 * A `campaign.state` text with `fields` added after its `seq` (a connection's own `missed` or
 * `resumed`), without parsing it again: the builders above put `seq` before `ts`.
 */
export function withFrameFields(frame: string, fields: Record<string, unknown>): string {
  const at = frame.indexOf(',"ts":');
  if (at < 0) return frame;
  const extra = Object.entries(fields)
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join('');
  return `${frame.slice(0, at)}${extra}${frame.slice(at)}`;
}

/** Serialize a `broadcast.started` / `broadcast.stopped` notice. */
export function broadcastNotice(input: {
  type: BroadcastNotice['type'];
  campaignId: string;
  ts: Timestamp;
}): string {
  const notice: BroadcastNotice = {
    type: input.type,
    campaign_id: input.campaignId,
    ts: rfc3339Of(input.ts),
  };
  return JSON.stringify(notice);
}

/** Parse and validate a `campaign.state` frame's JSON text; throws a `ZodError` when invalid. */
export function parseCampaignStateFrame(text: string): CampaignStateFrame {
  return campaignStateFrameSchema.parse(JSON.parse(text));
}
