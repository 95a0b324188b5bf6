/**
 * A live campaign's client (docs/broadcast.md, "Client helper"): joins on the transport the
 * campaign uses (`GET /api/campaigns/{id}/live`), follows a switch, applies delta frames, finds
 * gaps and repairs them with the snapshot of `GET /api/campaigns/{id}/state`, and reconnects —
 * with `last_seq` on the websocket transport — after an exponential, jittered, capped backoff.
 * Each `seq` reaches `onState` at most once, in increasing order.
 *
 * Dependency-free and runtime-neutral (browsers, Node 22; on Node 20 pass `ws` as
 * `WebSocket`): it imports nothing outside lib/client (.dependency-cruiser.cjs).
 *
 * ```ts
 * const live = connectLive({ campaignId, token, apiUrl, frames: 'delta',
 *   onState: (board, frame) => render(board, frame.seq),
 *   onGap: (g) => console.log(`missed ${g.missed} frames`) });
 * // …
 * live.close();
 * ```
 */
import {
  type LeaderboardRow,
  type NoticeFrame,
  readFrame,
  type StateFrame,
  type TransportFrame,
} from './frames.ts';
import {
  type Conn,
  type ConnEvents,
  openEvents,
  openWebSocket,
  type WebSocketConstructor,
} from './sockets.ts';
import { type Gap, LiveTracker, type Via } from './tracker.ts';

export type { DeltaFrame, LeaderboardRow, NoticeFrame, StateFrame, TransportFrame } from './frames.ts';
export type { SocketLike, WebSocketConstructor } from './sockets.ts';
export type { Gap, Via } from './tracker.ts';

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

const FATAL = new Set([400, 401, 403, 404]);

/** Start following campaign `options.campaignId`'s live frames. */
export function connectLive(options: LiveOptions): LiveClient {
  return new Live(options);
}

class Live implements LiveClient {
  status: LiveStatus = 'connecting';
  transport: 'websocket' | 'events' | undefined;
  readonly stats = { frames: 0, ignored: 0, gaps: 0, snapshots: 0, reconnects: 0 };
  readonly #o: LiveOptions;
  readonly #tracker = new LiveTracker();
  readonly #timers = {
    setTimeout: (fn: () => void, ms: number): unknown => globalThis.setTimeout(fn, ms),
    clearTimeout: (h: unknown) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  #conn: Conn | undefined;
  /** The connection being opened for a transport switch (the current one stays until it is live). */
  #next: Conn | undefined;
  #join: JoinInfo | undefined;
  #attempt = 0;
  #retry: unknown;
  #closed = false;
  #snapshotInFlight = false;
  #snapshotTimer: unknown;
  #snapshotAt = Number.NEGATIVE_INFINITY;
  /** A snapshot is wanted whatever the tracker holds (a connection just went live). */
  #snapshotWanted = false;

  constructor(options: LiveOptions) {
    this.#o = options;
    this.#connect();
  }

  get seq(): number | undefined {
    return this.#tracker.seq;
  }

  get leaderboard(): readonly LeaderboardRow[] | undefined {
    return this.#tracker.leaderboard;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clearTimeout(this.#retry);
    this.#timers.clearTimeout(this.#snapshotTimer);
    this.#conn?.close();
    this.#next?.close();
    this.#conn = this.#next = undefined;
    this.#setStatus('closed');
  }

  #setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    this.#o.onStatus?.(s);
  }

  #url(path: string): string {
    return `${this.#o.apiUrl ?? ''}/api/campaigns/${encodeURIComponent(this.#o.campaignId)}/${path}`;
  }

  async #get(path: string): Promise<{ status: number; body: unknown }> {
    const f = this.#o.fetch ?? (globalThis.fetch as unknown as FetchLike);
    const res = await f(this.#url(path), { headers: { authorization: `Bearer ${this.#o.token}` } });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  }

  /** Fail `error`: a fatal one ends the client, any other is retried after the backoff. */
  #fail(error: LiveError): void {
    this.#o.onError?.(error);
    if (error.fatal) this.close();
    else this.#reconnectLater();
  }

  /** Ask `/live` where to join, then open that transport. */
  async #connect(): Promise<void> {
    let join: JoinInfo;
    try {
      const r = await this.#get('live');
      if (this.#closed) return;
      if (r.status !== 200 || !isJoin(r.body)) {
        const fatal = FATAL.has(r.status);
        this.#fail(new LiveError(`GET …/live answered ${r.status}${errorText(r.body)}`, r.status, fatal));
        return;
      }
      join = r.body;
    } catch (e) {
      if (!this.#closed) this.#fail(new LiveError(`GET …/live failed: ${(e as Error).message}`));
      return;
    }
    this.#join = join;
    this.#conn = this.#open(join);
  }

  #reconnectLater(): void {
    if (this.#closed) return;
    this.#conn = undefined;
    this.#setStatus(
      this.#tracker.seq === undefined && this.status === 'connecting' ? 'connecting' : 'reconnecting',
    );
    const initial = this.#o.backoff?.initialMs ?? 500;
    const max = this.#o.backoff?.maxMs ?? 30_000;
    const span = Math.min(max, initial * 2 ** this.#attempt);
    const delay = span / 2 + (this.#o.random ?? Math.random)() * (span / 2);
    this.#attempt += 1;
    this.#timers.clearTimeout(this.#retry);
    this.#retry = this.#timers.setTimeout(() => {
      this.stats.reconnects += 1;
      void this.#connect();
    }, delay);
  }

  /** Open `join`'s transport (on the websocket, resuming from the held `seq`). */
  #open(join: JoinInfo): Conn | undefined {
    const WS = this.#o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) {
      this.#fail(new LiveError('no WebSocket implementation: pass options.WebSocket', undefined, true));
      return undefined;
    }
    const rewrite = this.#o.rewriteUrl ?? ((u: string) => u);
    const delta = this.#o.frames === 'delta';
    let conn: Conn | undefined;
    const events: ConnEvents = {
      onLive: () => this.#onLive(conn),
      onMessage: (v) => this.#onMessage(conn, v),
      onClose: (reason) => this.#onClose(conn, reason),
    };
    if (join.transport === 'events' && join.events) {
      const e = join.events;
      conn = openEvents(
        WS,
        {
          realtimeUrl: rewrite(e.realtime_url, 'events'),
          httpHost: e.http_host,
          channel: delta ? `${e.channel}/delta` : e.channel,
          token: join.token,
        },
        events,
        this.#timers,
      );
    } else {
      const q = new URLSearchParams({
        campaign_id: this.#o.campaignId,
        user_id: this.#o.userId ?? subOf(join.token) ?? '',
        token: join.token,
      });
      const held = this.#tracker.seq;
      if (held !== undefined) q.set('last_seq', String(held));
      if (delta) q.set('frames', 'delta');
      const base = rewrite(join.websocket.url, 'websocket');
      conn = openWebSocket(
        WS,
        `${base}${base.includes('?') ? '&' : '?'}${q}`,
        events,
        this.#timers,
        this.#o.pingMs ?? 300_000,
      );
    }
    return conn;
  }

  #onLive(conn: Conn | undefined): void {
    if (this.#closed || !conn) return;
    if (conn === this.#next) {
      // The switch is done: the new transport carries every frame from here on.
      this.#conn?.close();
      this.#conn = conn;
      this.#next = undefined;
    }
    if (conn !== this.#conn) return;
    this.#attempt = 0;
    this.transport = conn.transport;
    this.#setStatus('live');
    // Nothing says what this connection missed on events (and a first websocket connection
    // waits for the next tick): the latest snapshot now, as a resumed websocket gets one — when
    // /live says there is a newer one (asking before the first frame is a 404 that browsers log).
    const held = this.#tracker.seq;
    const latest = this.#join?.seq;
    const behind = Number.isSafeInteger(latest) && (held === undefined || (latest as number) > held);
    if (behind && (conn.transport === 'events' || held === undefined)) this.#requestSnapshot(true);
  }

  #onClose(conn: Conn | undefined, _reason: string): void {
    if (this.#closed || !conn) return;
    if (conn === this.#next) {
      this.#next = undefined; // the switch failed: stay where we are (a later loss asks /live again)
      return;
    }
    if (conn !== this.#conn) return;
    if (this.#next) {
      // Lost the transport being left: the one being opened takes over.
      this.#conn = this.#next;
      this.#next = undefined;
      this.#setStatus('reconnecting');
      return;
    }
    this.#reconnectLater();
  }

  #onMessage(conn: Conn | undefined, value: unknown): void {
    if (this.#closed || !conn || (conn !== this.#conn && conn !== this.#next)) return;
    const frame = readFrame(value, this.#o.campaignId);
    if (!frame) {
      if (isCampaignFrame(value)) this.stats.ignored += 1;
      return;
    }
    this.stats.frames += 1;
    switch (frame.type) {
      case 'campaign.state':
        this.#apply(this.#tracker.full(frame, 'frame', conn.transport === 'events'));
        return;
      case 'campaign.delta':
        this.#apply(this.#tracker.delta(frame));
        if (this.#tracker.needsSnapshot) this.#requestSnapshot(false);
        return;
      case 'campaign.transport':
        this.#switch(frame);
        return;
      default:
        this.#o.onNotice?.(frame);
    }
  }

  #apply(o: ReturnType<LiveTracker['full']>): void {
    if (o.gap) {
      this.stats.gaps += 1;
      this.#o.onGap?.(o.gap);
    }
    if (o.state) this.#o.onState?.(o.state.payload.leaderboard, o.state, o.via ?? 'frame');
    else if (!o.gap) this.stats.ignored += 1;
  }

  /** A `campaign.transport` frame: open the named transport; the current one stays until it is live. */
  #switch(frame: TransportFrame): void {
    const current = this.#join;
    if (!current || this.#next || frame.transport === this.#conn?.transport) return;
    if (frame.transport === 'events' && !frame.events) return;
    const join: JoinInfo = { transport: frame.transport, token: current.token, websocket: frame.websocket };
    if (frame.events) join.events = frame.events;
    this.#join = join;
    this.#next = this.#open(join);
  }

  /** Fetch `GET …/state` (at most one in flight, and no more often than `snapshotEveryMs`). */
  #requestSnapshot(always: boolean): void {
    this.#snapshotWanted ||= always;
    if (this.#closed || this.#snapshotInFlight || this.#snapshotTimer !== undefined) return;
    const wait = this.#snapshotAt + (this.#o.snapshotEveryMs ?? 1000) - Date.now();
    const run = () => {
      this.#snapshotTimer = undefined;
      const wanted = this.#snapshotWanted || this.#tracker.needsSnapshot;
      this.#snapshotWanted = false;
      if (!this.#closed && wanted) void this.#fetchSnapshot();
    };
    if (wait <= 0) run();
    else this.#snapshotTimer = this.#timers.setTimeout(run, wait);
  }

  async #fetchSnapshot(): Promise<void> {
    this.#snapshotInFlight = true;
    this.#snapshotAt = Date.now();
    try {
      const r = await this.#get('state');
      if (this.#closed) return;
      if (r.status === 404) return; // no frame yet: the stream's first one will do
      const frame = r.status === 200 ? readFrame(r.body, this.#o.campaignId) : undefined;
      if (frame?.type !== 'campaign.state') {
        this.#o.onError?.(new LiveError(`GET …/state answered ${r.status}${errorText(r.body)}`, r.status));
        return;
      }
      this.stats.snapshots += 1;
      const o = this.#tracker.full(frame, 'snapshot', true);
      if (o.state || o.gap) this.#apply(o);
    } catch (e) {
      if (!this.#closed) this.#o.onError?.(new LiveError(`GET …/state failed: ${(e as Error).message}`));
    } finally {
      this.#snapshotInFlight = false;
    }
    // Still behind (the snapshot was older than the stream): try again after the pause.
    if (this.#tracker.needsSnapshot) this.#requestSnapshot(false);
  }
}

function isJoin(v: unknown): v is JoinInfo {
  const j = v as Partial<JoinInfo> | undefined;
  return (
    typeof j === 'object' &&
    j !== null &&
    (j.transport === 'websocket' || j.transport === 'events') &&
    typeof j.token === 'string' &&
    typeof j.websocket?.url === 'string'
  );
}

const isCampaignFrame = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  /^(campaign|broadcast)\./.test(String((v as { type?: unknown }).type));

function errorText(body: unknown): string {
  const m = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof m === 'string' ? `: ${m}` : '';
}

/** The `sub` claim of a JWT (not verified: the server does). */
function subOf(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
