/**
 * Fan-out of one frame per tick to every connection of a campaign, through a
 * bounded-concurrency pool of posts.
 *
 * Drop policy: a connection holds at most one frame at a time. A frame is "in flight"
 * from the moment it is accepted (waiting for a pool slot or being posted) until its post
 * settles; a new frame for a connection with a frame in flight is dropped and counted,
 * never queued behind it. So a slow client loses frames, and never delays anybody else
 * or grows a backlog.
 *
 * Slow lane: a post holds a pool slot for its whole latency, so a few clients with 500 ms
 * posts would otherwise occupy most of the pool and make fast clients wait (and drop).
 * A connection whose last post took longer than `slowAfterMs` (and clearly longer than
 * the typical post, see {@link FanOutOptions.slowAfterMs}) is marked slow; slow posts may
 * hold at most `slowSlots` of the `concurrency` slots, the rest stay for fast clients.
 * A connection is marked fast again as soon as one of its posts is quick.
 *
 * Budget (optional {@link PostBudget}): when a tick has more frames to start than the
 * budget has posts, the frames are thinned in round robin: the tick starts at the
 * connection after the last one served, serves as many as the budget allows and counts the
 * rest as thinned, so every client gets the same lower effective rate and nobody starves.
 * A throttled post (`'throttled'`, 429) drops that frame, is counted, and cuts the budget.
 *
 * Gone connections (`post` resolved `'gone'`, i.e. 410 from the management API) get
 * `onGone` once and are skipped by later broadcasts. A `post` that throws counts as
 * failed for that frame only.
 *
 * One instance per broadcast burst: per-connection state lives as long as the instance.
 */

import type { PostBudget } from './budget.ts';
import {
  type Connection,
  type ConnectionTotals,
  type FanOutOptions,
  type FanOutTotals,
  type PostToConnection,
  Queue,
  type TickStats,
} from './fanout-types.ts';

export type {
  ConnectionTotals,
  FanOutOptions,
  FanOutTotals,
  PostResult,
  PostToConnection,
  TickStats,
} from './fanout-types.ts';

/** Weight of one post in the running average latency (an exponential moving average). */
const LATENCY_EWMA_WEIGHT = 1 / 64;
/** How many times the average latency a post must take to mark its connection slow. */
const SLOW_FACTOR = 4;

/** Sends one frame per tick to many connections; see the module comment for the policy. */
export class FanOut {
  readonly #post: PostToConnection;
  readonly #concurrency: number;
  readonly #slowSlots: number;
  readonly #slowAfterMs: number;
  readonly #onGone: FanOutOptions['onGone'];
  readonly #onError: FanOutOptions['onError'];
  readonly #now: () => number;
  readonly #budget: PostBudget | undefined;
  /** Where the next thinned tick starts (round robin). */
  #cursor = 0;

  readonly #connections = new Map<string, Connection>();
  readonly #fastQueue = new Queue();
  readonly #slowQueue = new Queue();
  readonly #hooks = new Set<Promise<void>>();
  #drainWaiters: Array<() => void> = [];

  #active = 0;
  #activeSlow = 0;
  #accepted = 0;
  #averageLatency: number | undefined;
  #slowConnections = 0;
  #sent = 0;
  #dropped = 0;
  #gone = 0;
  #failed = 0;
  #thinned = 0;
  #throttled = 0;

  constructor(opts: FanOutOptions) {
    this.#post = opts.post;
    this.#concurrency = Math.max(1, Math.floor(opts.concurrency ?? 128));
    this.#slowSlots = Math.min(
      this.#concurrency,
      Math.max(1, Math.floor(opts.slowSlots ?? this.#concurrency / 4)),
    );
    this.#slowAfterMs = opts.slowAfterMs ?? 100;
    this.#onGone = opts.onGone;
    this.#onError = opts.onError;
    this.#now = opts.now ?? (() => performance.now());
    this.#budget = opts.budget;
  }

  /**
   * Start sending `frame` to every connection of `connectionIds` that has no frame in
   * flight; drop it for the others. A string frame is encoded to UTF-8 once, here, and the
   * same bytes go to every post.
   */
  broadcast(connectionIds: readonly string[], frame: Uint8Array | string): TickStats {
    const data = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
    const n = connectionIds.length;
    const allowance = this.#budget === undefined ? Number.POSITIVE_INFINITY : this.#budget.available();
    // Round robin only matters once the budget thins; otherwise every tick starts at 0.
    const first = allowance >= n || n === 0 ? 0 : this.#cursor % n;
    let targeted = 0;
    let started = 0;
    let dropped = 0;
    let thinned = 0;
    for (let k = 0; k < n; k += 1) {
      const index = first + k < n ? first + k : first + k - n;
      const conn = this.#connection(connectionIds[index]!);
      if (conn.gone) continue;
      targeted += 1;
      if (started >= allowance) {
        conn.thinned += 1;
        thinned += 1;
        continue;
      }
      if (conn.data !== undefined) {
        conn.dropped += 1;
        dropped += 1;
        continue;
      }
      conn.data = data;
      (conn.slow ? this.#slowQueue : this.#fastQueue).push(conn);
      started += 1;
      if (started >= allowance) this.#cursor = index + 1;
    }
    this.#budget?.spend(started);
    this.#dropped += dropped;
    this.#thinned += thinned;
    this.#accepted += started;
    this.#pump();
    return { targeted, started, dropped, thinned };
  }

  /** Cumulative counters since construction. */
  totals(): FanOutTotals {
    return {
      sent: this.#sent,
      dropped: this.#dropped,
      gone: this.#gone,
      failed: this.#failed,
      thinned: this.#thinned,
      throttled: this.#throttled,
      inFlight: this.#accepted,
      slowConnections: this.#slowConnections,
    };
  }

  /** Counters of one connection (zeros for a connection never addressed). */
  perConnection(connectionId: string): ConnectionTotals {
    const conn = this.#connections.get(connectionId);
    if (conn === undefined) return { sent: 0, dropped: 0, thinned: 0, throttled: 0, failed: 0, gone: false };
    const { sent, dropped, thinned, throttled, failed, gone } = conn;
    return { sent, dropped, thinned, throttled, failed, gone };
  }

  /** Posts in flight right now (at most `concurrency`). */
  get activePosts(): number {
    return this.#active;
  }

  /** Resolve once every accepted frame has settled and every `onGone` call has finished. */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  #connection(id: string): Connection {
    let conn = this.#connections.get(id);
    if (conn === undefined) {
      conn = {
        id,
        data: undefined,
        slow: false,
        gone: false,
        sent: 0,
        dropped: 0,
        thinned: 0,
        throttled: 0,
        failed: 0,
      };
      this.#connections.set(id, conn);
    }
    return conn;
  }

  /** Start queued frames while slots are free; slow ones only within their share. */
  #pump(): void {
    while (this.#active < this.#concurrency) {
      let conn: Connection | undefined;
      let slow = false;
      if (this.#activeSlow < this.#slowSlots) {
        conn = this.#slowQueue.take();
        slow = conn !== undefined;
      }
      conn ??= this.#fastQueue.take();
      if (conn === undefined) return;
      this.#active += 1;
      if (slow) this.#activeSlow += 1;
      void this.#send(conn, slow);
    }
  }

  async #send(conn: Connection, slowLane: boolean): Promise<void> {
    const data = conn.data!;
    const startedAt = this.#now();
    let latency: number | undefined;
    try {
      const result = await this.#post(conn.id, data);
      latency = this.#now() - startedAt;
      if (result === 'gone') this.#markGone(conn);
      else if (result === 'throttled') {
        conn.throttled += 1;
        this.#throttled += 1;
        this.#budget?.onThrottled();
      } else {
        conn.sent += 1;
        this.#sent += 1;
      }
    } catch (error) {
      conn.failed += 1;
      this.#failed += 1;
      this.#report(error, conn.id);
    } finally {
      if (latency !== undefined && !conn.gone) this.#classify(conn, latency);
      conn.data = undefined;
      this.#accepted -= 1;
      this.#active -= 1;
      if (slowLane) this.#activeSlow -= 1;
      this.#pump();
      this.#checkDrained();
    }
  }

  #classify(conn: Connection, latency: number): void {
    const average = this.#averageLatency ?? latency;
    const slow = latency > this.#slowAfterMs && latency > SLOW_FACTOR * average;
    this.#averageLatency = average + (latency - average) * LATENCY_EWMA_WEIGHT;
    if (slow !== conn.slow) {
      conn.slow = slow;
      this.#slowConnections += slow ? 1 : -1;
    }
  }

  #markGone(conn: Connection): void {
    conn.gone = true;
    this.#gone += 1;
    if (conn.slow) {
      conn.slow = false;
      this.#slowConnections -= 1;
    }
    if (this.#onGone === undefined) return;
    try {
      const result = this.#onGone(conn.id);
      if (result instanceof Promise) {
        const hook: Promise<void> = result
          .catch((error: unknown) => this.#report(error, conn.id))
          .finally(() => {
            this.#hooks.delete(hook);
            this.#checkDrained();
          });
        this.#hooks.add(hook);
      }
    } catch (error) {
      this.#report(error, conn.id);
    }
  }

  #report(error: unknown, connectionId: string): void {
    try {
      this.#onError?.(error, connectionId);
    } catch {
      // A failing error reporter must not break the fan-out.
    }
  }

  #idle(): boolean {
    return this.#accepted === 0 && this.#hooks.size === 0;
  }

  #checkDrained(): void {
    if (!this.#idle() || this.#drainWaiters.length === 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
