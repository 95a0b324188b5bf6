/**
 * Per-connection rate limit of inbound WebSocket messages: a fixed window counter kept in
 * a shared store (the connection's lookup item in DynamoDB), not in Lambda memory.
 *
 * Why shared: API Gateway invokes the `$default` integration once per message, and Lambda
 * spreads concurrent invocations over several execution environments, so a per-instance
 * counter would let a flood through n times over. One conditional `UpdateItem` per
 * message does it exactly:
 *   1. `count += 1` if the stored window is the current one  → the new count;
 *   2. otherwise `window = current, count = 1` if the stored window is older → 1;
 *   (a lost race between 2 and another message's 2 just retries 1.)
 *
 * Verdict: count ≤ limit → allowed; count = limit + 1 → refused, and the client gets one
 * `rate_limited` error frame for the window; beyond → refused silently (no frame per
 * excess message, so a flood cannot make the server send a flood back).
 *
 * A fixed window admits up to 2 × limit across a window boundary; with 1 s windows at
 * 100 messages that is a burst of at most 200 in one second, never a sustained rate above
 * the limit. Refused messages still cost their write: the limit protects the platform's
 * downstream work (leaderboard writes, events), and API Gateway's stage throttling is what
 * bounds the raw message rate.
 */

/** Outcome of a store operation on one key. */
export type IncrementResult<T> = { count: number; record: T } | 'stale' | 'missing';
export type ResetResult<T> = { count: 1; record: T } | 'conflict' | 'missing';

/** Where the counters live (DynamoDB in Lambdas, a Map in tests: test/kit/memory-window-store.ts). */
export interface WindowCounterStore<T> {
  /** `count += 1` when the stored window equals `window`: 'stale' when it differs, 'missing' for an unknown key. */
  increment(key: string, window: number): Promise<IncrementResult<T>>;
  /** Start `window` at count 1 when the stored window is older: 'conflict' when not, 'missing' for an unknown key. */
  reset(key: string, window: number): Promise<ResetResult<T>>;
}

export type RateVerdict<T> =
  | { allowed: true; count: number; record: T }
  | { allowed: false; notify: boolean; count: number; record: T }
  | { allowed: false; missing: true };

export interface RateLimiterOptions<T> {
  store: WindowCounterStore<T>;
  /** Messages allowed per window (default 100). */
  limit?: number;
  /** Window length in ms (default 1000). */
  windowMs?: number;
  /** Wall clock in epoch ms (default `Date.now`). */
  now?: () => number;
}

/** The verdict for the `count`-th message of a window. */
export function verdictOf(count: number, limit: number): { allowed: boolean; notify: boolean } {
  if (count <= limit) return { allowed: true, notify: false };
  return { allowed: false, notify: count === limit + 1 };
}

export class FixedWindowRateLimiter<T> {
  readonly limit: number;
  readonly windowMs: number;
  readonly #store: WindowCounterStore<T>;
  readonly #now: () => number;

  constructor(opts: RateLimiterOptions<T>) {
    this.#store = opts.store;
    this.limit = Math.max(1, Math.floor(opts.limit ?? 100));
    this.windowMs = Math.max(1, Math.floor(opts.windowMs ?? 1000));
    this.#now = opts.now ?? Date.now;
  }

  /** The window a time falls in. */
  windowOf(nowMs: number): number {
    return Math.floor(nowMs / this.windowMs);
  }

  /** Count one message of `key` and judge it. */
  async hit(key: string): Promise<RateVerdict<T>> {
    const window = this.windowOf(this.#now());
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const inc = await this.#store.increment(key, window);
      if (inc === 'missing') return { allowed: false, missing: true };
      let counted: { count: number; record: T } | undefined = inc === 'stale' ? undefined : inc;
      if (counted === undefined) {
        const reset = await this.#store.reset(key, window);
        if (reset === 'missing') return { allowed: false, missing: true };
        if (reset === 'conflict') continue; // another message opened the window first: count in it
        counted = reset;
      }
      const v = verdictOf(counted.count, this.limit);
      return v.allowed
        ? { allowed: true, count: counted.count, record: counted.record }
        : { allowed: false, notify: v.notify, count: counted.count, record: counted.record };
    }
    // Three lost races in a row means a window change under heavy contention: refuse this one.
    throw new Error(`rate limiter: could not count a message of ${key} (contention)`);
  }
}
