/**
 * A hand-driven {@link Clock} for unit tests of the broadcaster (lib/broadcast/clock.ts holds the
 * interface and the real clock).
 */
import type { Clock } from '../../lib/broadcast/clock.ts';

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
