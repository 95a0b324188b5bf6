/**
 * Time source for the broadcaster. The ticker never calls `setTimeout` or `performance`
 * itself: it asks a {@link Clock}, so tests drive time by hand (test/kit/fake-clock.ts).
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
