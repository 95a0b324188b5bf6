/**
 * The fan-out's (./fanout.ts) types: what a post answers, the options, the counters it reports,
 * and its per-connection state and FIFO.
 */
import type { PostBudget } from './budget.ts';

/**
 * Outcome of posting one frame to one connection: `'gone'` when the connection no longer
 * exists (410), `'throttled'` when the API refused it for the account's rate (429): the
 * frame is dropped, counted, and the budget (if any) slows down.
 */
export type PostResult = 'ok' | 'gone' | 'throttled';

/** Posts one frame to one connection. */
export type PostToConnection = (connectionId: string, data: Uint8Array | string) => Promise<PostResult>;

/** Options of {@link FanOut}. */
export interface FanOutOptions {
  post: PostToConnection;
  /** Most posts in flight at once (default 128); size the HTTP agent's `maxSockets` to match. */
  concurrency?: number;
  /** Most of those slots that slow connections may hold (default a quarter of `concurrency`, ≥ 1). */
  slowSlots?: number;
  /**
   * A post slower than this (default 100 ms) marks its connection slow, provided it also
   * took more than 4× the running average post latency (so that when every post is slow,
   * e.g. the API itself slowed down, nobody is singled out and the whole pool stays usable).
   */
  slowAfterMs?: number;
  /** Called once per gone connection; awaited by {@link FanOut.drain}. */
  onGone?: (connectionId: string) => void | Promise<void>;
  /** Told about failed posts and failed `onGone` calls (already counted). */
  onError?: (error: unknown, connectionId: string) => void;
  /** Millisecond clock used to time posts (default `performance.now`). */
  now?: () => number;
  /** Posting budget: frames beyond it are thinned (default: none). */
  budget?: PostBudget;
}

/** What one `broadcast` call did, known synchronously. */
export interface TickStats {
  /** Connections addressed (gone ones excluded). */
  targeted: number;
  /** Frames accepted for sending (posting now or waiting for a pool slot). */
  started: number;
  /** Frames dropped because the connection still had a frame in flight. */
  dropped: number;
  /** Frames not sent because the posting budget was spent (round robin). */
  thinned: number;
}

/** Cumulative counters of a {@link FanOut}. */
export interface FanOutTotals {
  /** Frames posted successfully. */
  sent: number;
  /** Frames dropped by the drop policy. */
  dropped: number;
  /** Connections found gone. */
  gone: number;
  /** Posts that threw. */
  failed: number;
  /** Frames thinned by the posting budget. */
  thinned: number;
  /** Posts answered 429 (the frame is dropped). */
  throttled: number;
  /** Frames accepted and not yet settled (posting or waiting for a slot). */
  inFlight: number;
  /** Connections currently marked slow. */
  slowConnections: number;
}

/** Per-connection counters of a {@link FanOut}. */
export interface ConnectionTotals {
  sent: number;
  dropped: number;
  thinned: number;
  throttled: number;
  failed: number;
  gone: boolean;
}

export interface Connection {
  readonly id: string;
  /** Frame waiting for a slot or being posted; `undefined` when idle. */
  data: Uint8Array | undefined;
  slow: boolean;
  gone: boolean;
  sent: number;
  dropped: number;
  thinned: number;
  throttled: number;
  failed: number;
}

/** A FIFO of connections without `Array#shift`'s O(n) cost. */
export class Queue {
  #items: Connection[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: Connection): void {
    this.#items.push(item);
  }

  take(): Connection | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
