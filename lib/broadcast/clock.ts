/**
 * Time source for the broadcaster. The ticker never calls `setTimeout` or `performance`
 * itself: it asks a {@link Clock}, so tests drive time by hand with {@link FakeClock}.
 *
 * Times are milliseconds on a monotonic scale (not wall-clock epoch milliseconds): only
 * differences are meaningful. Frames carry a separate wall-clock `ts`.
 */

/** A monotonic millisecond clock that can sleep until an absolute time. */
export interface Clock {
  /** Current time, in milliseconds on this clock's monotonic scale. */
  now(): number;
  /**
   * Resolve at (or as soon as possible after) time `t` on this clock's scale; at once when
   * `t` is already past. Resolves early, and never rejects, when `signal` aborts.
   */
  sleepUntil(t: number, signal?: AbortSignal): Promise<void>;
}

/** Monotonic time of a wall-clock instant (epoch ms), `wallNow` being the wall clock now. */
export const monoOf = (clock: Clock, wallNow: () => number, wallMs: number): number =>
  clock.now() + (wallMs - wallNow());

/** Wall-clock time (epoch ms) of a monotonic instant. */
export const wallOf = (clock: Clock, wallNow: () => number, monoMs: number): number =>
  wallNow() + (monoMs - clock.now());

/**
 * The real clock: `performance.now()` and `setTimeout`. A timer may fire a little early
 * (Node rounds to whole milliseconds), so the sleep re-arms until the time is reached;
 * it ends within about a millisecond of `t` when the event loop is free.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const arm = (): void => {
        const wait = t - performance.now();
        if (wait <= 0) {
          done();
          return;
        }
        timer = setTimeout(arm, Math.max(1, Math.ceil(wait)));
      };
      signal?.addEventListener('abort', done, { once: true });
      arm();
    });
  },
};

interface Sleeper {
  t: number;
  /** Insertion order, so sleepers due at the same time wake in the order they slept. */
  order: number;
  resolve: () => void;
}

/** Let every promise continuation already queued run (one macrotask turn, not a timer). */
function flush(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A hand-driven clock for tests: time stands still until {@link FakeClock.advance} moves
 * it, waking sleepers one by one in due order (each at its own due time, letting its
 * continuation run before the next wakes), so code that sleeps again inside the window
 * is woken too. {@link FakeClock.stall} moves time without waking anybody, as a blocked
 * event loop would.
 */
export class FakeClock implements Clock {
  #now: number;
  #order = 0;
  #sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    if (t <= this.#now || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = { t, order: this.#order++, resolve };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      sleeper.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Number of sleepers waiting. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Due time of the earliest sleeper, if any. */
  get nextDue(): number | undefined {
    return this.#earliest()?.t;
  }

  /** Move time forward by `ms`, waking every sleeper due by then in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /** Move time forward to `t` (never backwards), waking every sleeper due by then in order. */
  async advanceTo(t: number): Promise<void> {
    await flush();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.t > t) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.t);
      next.resolve();
      await flush();
    }
    this.#now = Math.max(this.#now, t);
    await flush();
  }

  /** Move time forward by `ms` without waking anybody (a busy event loop). */
  stall(ms: number): void {
    this.#now += ms;
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (best === undefined || s.t < best.t || (s.t === best.t && s.order < best.order)) best = s;
    }
    return best;
  }
}
