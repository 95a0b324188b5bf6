/**
 * A broadcaster's posting budget: how many `PostToConnection` calls per second it may make.
 *
 * Every `@connections` call counts against the account's API Gateway throttle (10,000
 * requests/s per region, 5,000 burst, shared with every other API of the account), so a
 * broadcaster must not post as fast as it can. The budget is a token bucket refilled at
 * `rate` posts/s, holding at most one second of posts; the fan-out takes one token per post
 * and thins the frames it has no token for ({@link FanOut}: round robin, so every client
 * gets the same lower rate and nobody starves).
 *
 * The rate adapts (AIMD): a throttled answer (429) cuts it by `decreaseFactor` (at most once
 * per `holdMs`, as one overload answers many posts at once), never below `minRate`; after
 * `holdMs` without a throttled answer it grows back by `increasePerSecond` per second, up
 * to the configured `postsPerSecond` — or to the {@link PostBudget.ceiling} the account's
 * posting share leaves this broadcaster (./share.ts), when that is lower.
 */

export interface PostBudgetOptions {
  /** Configured (and highest) rate, posts per second. */
  postsPerSecond: number;
  /** Lowest rate the adaptation goes down to (default 5 % of the configured rate, ≥ 1). */
  minPostsPerSecond?: number;
  /** Multiplicative decrease on a throttled answer (default 0.7). */
  decreaseFactor?: number;
  /** Additive increase per second once no throttling is seen (default 5 % of the configured rate). */
  increasePerSecond?: number;
  /** Time between two decreases, and without throttling before increasing (default 1000 ms). */
  holdMs?: number;
  /** Millisecond clock (default `performance.now`). */
  now?: () => number;
}

export class PostBudget {
  readonly maxRate: number;
  readonly minRate: number;
  readonly #decrease: number;
  readonly #increase: number;
  readonly #holdMs: number;
  readonly #now: () => number;
  #rate: number;
  #ceiling: number;
  #tokens: number;
  #refilledAt: number;
  #lastThrottle = Number.NEGATIVE_INFINITY;
  #lastDecrease = Number.NEGATIVE_INFINITY;
  /** Throttled answers seen. */
  throttled = 0;
  /** Times the rate was cut. */
  decreases = 0;

  constructor(opts: PostBudgetOptions) {
    if (!(opts.postsPerSecond > 0)) throw new RangeError('postsPerSecond must be > 0');
    this.maxRate = opts.postsPerSecond;
    this.minRate = Math.min(this.maxRate, Math.max(1, opts.minPostsPerSecond ?? this.maxRate * 0.05));
    this.#decrease = Math.min(0.95, Math.max(0.1, opts.decreaseFactor ?? 0.7));
    this.#increase = opts.increasePerSecond ?? this.maxRate * 0.05;
    this.#holdMs = opts.holdMs ?? 1000;
    this.#now = opts.now ?? (() => performance.now());
    this.#rate = this.maxRate;
    this.#ceiling = this.maxRate;
    this.#tokens = this.maxRate;
    this.#refilledAt = this.#now();
  }

  /** Current rate, posts per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Highest rate allowed now: the configured rate, or less while the account's share is oversubscribed. */
  get ceiling(): number {
    return this.#ceiling;
  }

  /** Cap the rate at `postsPerSecond` (at least {@link minRate}, at most the configured rate). */
  setCeiling(postsPerSecond: number): void {
    this.#refill();
    const atCeiling = this.#rate >= this.#ceiling;
    this.#ceiling = Math.min(this.maxRate, Math.max(this.minRate, postsPerSecond));
    if (this.#rate > this.#ceiling) {
      this.#rate = this.#ceiling;
      this.#tokens = Math.min(this.#tokens, this.#rate);
    } else if (atCeiling && this.#now() - this.#lastThrottle >= this.#holdMs) {
      // The share grew back, and API Gateway is not throttling: use it at once.
      this.#rate = this.#ceiling;
    }
  }

  /** Whole posts that may be made now (refills first). */
  available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Spend `n` posts (the caller asked {@link available} first). */
  spend(n: number): void {
    this.#tokens -= n;
  }

  /** A post was throttled (429): cut the rate, at most once per hold period. */
  onThrottled(): void {
    const now = this.#now();
    this.throttled += 1;
    this.#lastThrottle = now;
    if (now - this.#lastDecrease < this.#holdMs) return;
    this.#refill();
    this.#lastDecrease = now;
    this.decreases += 1;
    this.#rate = Math.max(this.minRate, this.#rate * this.#decrease);
    // Posts already granted at the old rate are spent; what is left may not exceed a tick's worth.
    this.#tokens = Math.min(this.#tokens, this.#rate / 10);
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#refilledAt = now;
    if (this.#rate < this.#ceiling && now - this.#lastThrottle >= this.#holdMs) {
      const since = Math.min(elapsed, now - this.#lastThrottle - this.#holdMs);
      this.#rate = Math.min(this.#ceiling, this.#rate + (this.#increase * since) / 1000);
    }
    // At most one second of posts in the bucket.
    this.#tokens = Math.min(this.#rate, this.#tokens + (this.#rate * elapsed) / 1000);
  }
}
