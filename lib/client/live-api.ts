/**
 * The live client's public shapes (lib/client/live.ts is the client): its options, the answer
 * of `GET /api/campaigns/{id}/live`, its status, its errors and what `connectLive` returns.
 */
import type { LeaderboardRow, NoticeFrame, StateFrame } from './frames.ts';
import type { WebSocketConstructor } from './sockets.ts';
import type { Gap, Via } from './tracker.ts';

/** `connecting` (first join), `live` (frames can flow), `reconnecting` (lost; backing off), `closed`. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** What this module needs of `fetch`. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** The answer of `GET /api/campaigns/{id}/live`. */
export interface JoinInfo {
  transport: 'websocket' | 'events';
  token: string;
  websocket: { url: string };
  events?: { realtime_url: string; http_host: string; channel: string };
  /** The campaign's latest frame's `seq` (absent before its first frame). */
  seq?: number;
}

export interface LiveOptions {
  campaignId: string;
  /** The caller's API token (bearer for `/live` and `/state`); the sockets get `/live`'s live token. */
  token: string;
  /** The HTTP API's base URL (`''`: the page's own origin). */
  apiUrl?: string;
  /** `user_id` on the websocket transport (default: the live token's `sub`). */
  userId?: string;
  /** `delta`: `campaign.delta` frames (the `frames=delta` query, the `…/delta` channel). Default `full`. */
  frames?: 'full' | 'delta';
  /** The state at each new `seq` (a delta already applied): its leaderboard and the full frame. */
  onState?: (leaderboard: LeaderboardRow[], frame: StateFrame, via: Via) => void;
  /** Frames were lost (see {@link Gap}). */
  onGap?: (gap: Gap) => void;
  onStatus?: (status: LiveStatus) => void;
  /** `broadcast.started` / `broadcast.stopped`. */
  onNotice?: (notice: NoticeFrame) => void;
  /** What went wrong: a failed join or snapshot, a refusal that ends the client. */
  onError?: (error: LiveError) => void;
  /** Defaults to `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Map a URL the server gave (e.g. to the page's own host on the emulator). */
  rewriteUrl?: (url: string, transport: 'websocket' | 'events') => string;
  /** Reconnect delays: `min(maxMs, initialMs · 2^attempt)`, of which a random half (default 500 ms, 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Random source in [0, 1) for the jitter (default `Math.random`). */
  random?: () => number;
  /** Websocket keep-alive ping period (default 5 min; API Gateway's idle timeout is 10). */
  pingMs?: number;
  /** Least time between two snapshot fetches (default 1 s). */
  snapshotEveryMs?: number;
}

export class LiveError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when an answer said it. */
    readonly status?: number,
    /** The client gave up (a refusal that retrying cannot change). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

export interface LiveClient {
  readonly status: LiveStatus;
  /** The last `seq` delivered. */
  readonly seq: number | undefined;
  readonly leaderboard: readonly LeaderboardRow[] | undefined;
  /** The transport of the current connection. */
  readonly transport: 'websocket' | 'events' | undefined;
  /** Counters: frames read, ignored (bad, duplicate or stale), gaps, snapshots fetched, reconnects. */
  readonly stats: { frames: number; ignored: number; gaps: number; snapshots: number; reconnects: number };
  close(): void;
}
