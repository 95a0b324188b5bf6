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
import { type LeaderboardRow, readFrame, type TransportFrame } from './frames.ts';
import { errorText, FATAL, getCampaign, isJoin, openJoin } from './join.ts';
import { type JoinInfo, type LiveClient, LiveError, type LiveOptions, type LiveStatus } from './live-api.ts';
import type { Conn, ConnEvents } from './sockets.ts';
import { LiveTracker } from './tracker.ts';

export type { DeltaFrame, LeaderboardRow, NoticeFrame, StateFrame, TransportFrame } from './frames.ts';
export {
  type FetchLike,
  type JoinInfo,
  type LiveClient,
  LiveError,
  type LiveOptions,
  type LiveStatus,
} from './live-api.ts';
export type { SocketLike, WebSocketConstructor } from './sockets.ts';
export type { Gap, Via } from './tracker.ts';

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
      const r = await getCampaign(this.#o, 'live');
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
    let conn: Conn | LiveError | undefined;
    const opened = () => (conn instanceof LiveError ? undefined : conn);
    const events: ConnEvents = {
      onLive: () => this.#onLive(opened()),
      onMessage: (v) => this.#onMessage(opened(), v),
      onClose: (reason) => this.#onClose(opened(), reason),
    };
    conn = openJoin(this.#o, join, this.#tracker.seq, events, this.#timers);
    if (conn instanceof LiveError) {
      this.#fail(conn);
      return undefined;
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
      const r = await getCampaign(this.#o, 'state');
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

const isCampaignFrame = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  /^(campaign|broadcast)\./.test(String((v as { type?: unknown }).type));
