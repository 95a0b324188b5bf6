/**
 * The live frames as a client reads them (docs/broadcast.md, "Formats"), checked by hand: this
 * folder runs in browsers and bundles into the console, so it imports nothing (no zod, nothing
 * from the server's lib/broadcast). A frame that does not have the shape is not a frame.
 */

/** One leaderboard row: `user`, `score`, and whatever else the server puts on it. */
export interface LeaderboardRow {
  user: string;
  score: number;
  [field: string]: unknown;
}

/** The payload of a full frame: the leaderboard, the participant count, further fields kept. */
export interface StatePayload {
  leaderboard: LeaderboardRow[];
  live_participant_count: number;
  [field: string]: unknown;
}

/** A `campaign.state` frame: the whole state at `seq`. */
export interface StateFrame {
  type: 'campaign.state';
  campaign_id: string;
  seq: number;
  /** Frames of the campaign this connection did not get since its last one (websocket). */
  missed?: number;
  /** The snapshot a client reconnecting with `last_seq` gets at once. */
  resumed?: { from: number; missed: number } | { from: null };
  ts: string;
  payload: StatePayload;
}

/** A `campaign.delta` frame: the rows that changed since the frame of `base_seq`. */
export interface DeltaFrame {
  type: 'campaign.delta';
  campaign_id: string;
  seq: number;
  base_seq: number;
  ts: string;
  payload: {
    removed: string[];
    rows: Array<LeaderboardRow & { rank: number }>;
    live_participant_count: number;
    [field: string]: unknown;
  };
}

/** A `broadcast.started` / `broadcast.stopped` notice. */
export interface NoticeFrame {
  type: 'broadcast.started' | 'broadcast.stopped';
  campaign_id: string;
  ts: string;
}

/** A `campaign.transport` frame: from `seq` on, the frames come on `transport`. */
export interface TransportFrame {
  type: 'campaign.transport';
  campaign_id: string;
  seq: number;
  ts: string;
  transport: 'websocket' | 'events';
  websocket: { url: string };
  events?: { realtime_url: string; http_host: string; channel: string };
}

export type LiveFrame = StateFrame | DeltaFrame | NoticeFrame | TransportFrame;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isRow = (v: unknown): v is LeaderboardRow =>
  isObj(v) && typeof v.user === 'string' && typeof v.score === 'number' && Number.isFinite(v.score);
const isStr = (v: unknown): v is string => typeof v === 'string';

function isResumed(v: unknown): v is StateFrame['resumed'] {
  if (!isObj(v)) return false;
  return v.from === null || (isCount(v.from) && isCount(v.missed));
}

function isState(f: Obj): f is Obj & StateFrame {
  const p = f.payload;
  return (
    isSeq(f.seq) &&
    isStr(f.ts) &&
    (f.missed === undefined || isCount(f.missed)) &&
    (f.resumed === undefined || isResumed(f.resumed)) &&
    isObj(p) &&
    Array.isArray(p.leaderboard) &&
    p.leaderboard.every(isRow) &&
    isCount(p.live_participant_count)
  );
}

function isDelta(f: Obj): f is Obj & DeltaFrame {
  const p = f.payload;
  return (
    isSeq(f.seq) &&
    isSeq(f.base_seq) &&
    f.base_seq < f.seq &&
    isStr(f.ts) &&
    isObj(p) &&
    Array.isArray(p.removed) &&
    p.removed.every(isStr) &&
    Array.isArray(p.rows) &&
    p.rows.every((r) => isRow(r) && isSeq(r.rank)) &&
    isCount(p.live_participant_count)
  );
}

function isTransport(f: Obj): f is Obj & TransportFrame {
  const e = f.events;
  return (
    isSeq(f.seq) &&
    (f.transport === 'websocket' || f.transport === 'events') &&
    isObj(f.websocket) &&
    isStr(f.websocket.url) &&
    (e === undefined || (isObj(e) && isStr(e.realtime_url) && isStr(e.http_host) && isStr(e.channel)))
  );
}

/**
 * The frame in `value` (parsed JSON) when it is one of campaign `campaignId`'s live frames with
 * its documented shape; `undefined` for anything else (answers to pings, another campaign's
 * frames, malformed frames).
 */
export function readFrame(value: unknown, campaignId: string): LiveFrame | undefined {
  if (!isObj(value) || value.campaign_id !== campaignId) return undefined;
  switch (value.type) {
    case 'campaign.state':
      return isState(value) ? value : undefined;
    case 'campaign.delta':
      return isDelta(value) ? value : undefined;
    case 'campaign.transport':
      return isTransport(value) ? value : undefined;
    case 'broadcast.started':
    case 'broadcast.stopped':
      return isStr(value.ts) ? (value as unknown as NoticeFrame) : undefined;
    default:
      return undefined;
  }
}

/**
 * The leaderboard after a delta (the server's `applyLeaderboardDelta`, lib/broadcast/delta.ts):
 * drop the removed and the changed users, then put each changed row at its rank, in ascending
 * rank order. `held` is not modified.
 */
export function applyDelta(
  held: readonly LeaderboardRow[],
  payload: DeltaFrame['payload'],
): LeaderboardRow[] {
  const gone = new Set([...payload.removed, ...payload.rows.map((r) => r.user)]);
  const board = held.filter((row) => !gone.has(row.user));
  const byRank = [...payload.rows].sort((a, b) => a.rank - b.rank);
  for (const { rank, ...row } of byRank) board.splice(rank - 1, 0, row as LeaderboardRow);
  return board;
}
