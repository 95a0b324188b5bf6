/**
 * The tick scheduler of a broadcast burst: calls `onTick` at a campaign's frequency on an
 * absolute schedule, for a bounded time.
 *
 * - No drift: tick n is due at `anchor + n × period`, never "previous end + period", so
 *   the time `onTick` takes (or how late a timer fires) never shifts later ticks.
 * - Frequency changes: `frequencyHz()` is read before every tick (it should return a
 *   cached value; the caller refreshes it from metadata about once a second). When it
 *   changes, the schedule is re-anchored at the tick being emitted, so the new period
 *   applies from the next tick on.
 * - Falling behind: when the loop wakes more than one period after a tick's due time
 *   (an event loop stalled by GC or a burst of I/O), the ticks that are overdue by a
 *   period or more are skipped (counted in `skipped`) and only the latest due one is
 *   emitted: never a burst of catch-up ticks.
 * - Sequence numbers: `seq` increments per emitted tick (skipped ticks consume no
 *   number), so clients see strictly increasing seq without gaps from skips, and a new
 *   burst continues from the previous one's `nextSeq`.
 * - `onTick` is not awaited before the next tick: it is called at the due time, and the
 *   promise it may return runs alongside later ticks. Rejections (and synchronous
 *   throws) are caught and counted in `failed`; every outstanding promise is awaited
 *   before `runTicks` returns.
 */
import { DEFAULT_FREQUENCY_HZ, MAX_FREQUENCY_HZ } from '../entity-metadata/constants.ts';
import type { Clock } from './clock.ts';

/** What `onTick` is told about the tick it is called for. */
export interface Tick {
  /** Sequence number of this tick: strictly increasing by one per emitted tick. */
  seq: number;
  /** When the tick was due, on the clock's scale. */
  scheduledAt: number;
  /** When `onTick` was called, on the clock's scale. */
  startedAt: number;
  /** `startedAt − scheduledAt`, in ms (≥ 0, below one period: later ticks are skipped). */
  lateness: number;
}

/** Options of {@link runTicks}. */
export interface RunTicksOptions {
  clock: Clock;
  /** Length of the burst, in ms from the call: ticks due at or after its end are not emitted. */
  durationMs: number;
  /**
   * Frequency in Hz, read before every tick. Values above `maxHz` are clamped; a value
   * that is not a positive finite number means the default (1 Hz).
   */
  frequencyHz: () => number;
  /** Called at each tick's due time; a returned promise is tracked, not awaited per tick. */
  onTick: (tick: Tick) => void | Promise<void>;
  /** Sequence number of the first tick (default 1); pass the previous burst's `nextSeq`. */
  startSeq?: number;
  /** Stops the burst early: no further tick is emitted once it aborts. */
  signal?: AbortSignal;
  /** Highest frequency honoured, in Hz (default 50, the metadata maximum). */
  maxHz?: number;
  /** Told about every error thrown or rejected by `onTick` (after it is counted). */
  onError?: (error: unknown, seq: number) => void;
  /**
   * Due time of the first tick, on the clock's scale (default: now). Shards of one campaign
   * pass the same absolute instant, so their ticks are due at the same times.
   */
  anchorAt?: number;
  /**
   * Skipped ticks consume their sequence numbers (default false): `seq` is then a function
   * of the schedule alone (`startSeq` + the tick's index since the anchor), so every shard
   * ticking on the same schedule gives the same tick the same `seq`, even when one of them
   * had to skip.
   */
  seqFromSchedule?: boolean;
}

/** What a burst did, when it is over. */
export interface RunTicksResult {
  /** Ticks emitted (`onTick` calls). */
  ticks: number;
  /** Ticks not emitted because the loop was more than a period behind. */
  skipped: number;
  /** `seq` of the last emitted tick (`startSeq − 1` when none was emitted). */
  lastSeq: number;
  /** `seq` for the first tick of the next burst (`lastSeq + 1`). */
  nextSeq: number;
  /** `onTick` calls that threw or whose promise rejected. */
  failed: number;
  /** Lateness of every emitted tick, in emission order, in ms. */
  lateness: number[];
}

/** The frequency to use for `hz`: clamped to `maxHz`, the default when not a positive number. */
export function effectiveHz(hz: number, maxHz: number = MAX_FREQUENCY_HZ): number {
  if (!Number.isFinite(hz) || hz <= 0) return Math.min(DEFAULT_FREQUENCY_HZ, maxHz);
  return Math.min(hz, maxHz);
}

/** Run a burst of ticks on an absolute schedule; resolves when the burst and all `onTick` work end. */
export async function runTicks(opts: RunTicksOptions): Promise<RunTicksResult> {
  const { clock, signal } = opts;
  const maxHz = opts.maxHz ?? MAX_FREQUENCY_HZ;
  const startSeq = opts.startSeq ?? 1;
  const end = clock.now() + opts.durationMs;

  let hz = effectiveHz(opts.frequencyHz(), maxHz);
  let period = 1000 / hz;
  let anchor = opts.anchorAt ?? clock.now();
  /** Index of the next tick, counted from `anchor`. */
  let n = 0;
  let seq = startSeq;
  let skipped = 0;
  let failed = 0;
  const lateness: number[] = [];
  const pending = new Set<Promise<void>>();

  const fail = (error: unknown, tickSeq: number): void => {
    failed += 1;
    opts.onError?.(error, tickSeq);
  };

  while (!signal?.aborted) {
    let due = anchor + n * period;
    if (due >= end) break;
    if (clock.now() < due) {
      await clock.sleepUntil(due, signal);
      if (signal?.aborted) break;
    }

    const now = clock.now();
    const behind = Math.floor((now - due) / period);
    if (behind >= 1) {
      // Skip to the latest tick already due; only ticks due inside the burst count as skipped.
      const target = n + behind;
      const lastInBurst = Math.ceil((end - anchor) / period) - 1;
      if (anchor + target * period >= end) {
        skipped += Math.max(0, lastInBurst - n + 1);
        if (opts.seqFromSchedule) seq += Math.max(0, lastInBurst - n + 1);
        break;
      }
      skipped += behind;
      if (opts.seqFromSchedule) seq += behind;
      n = target;
      due = anchor + n * period;
    }

    const nextHz = effectiveHz(opts.frequencyHz(), maxHz);
    if (nextHz !== hz) {
      // Re-anchor at this tick: it keeps its due time, the new period starts after it.
      hz = nextHz;
      period = 1000 / hz;
      anchor = due;
      n = 0;
    }

    const tick: Tick = { seq, scheduledAt: due, startedAt: now, lateness: now - due };
    lateness.push(tick.lateness);
    seq += 1;
    n += 1;
    try {
      const result = opts.onTick(tick);
      if (result instanceof Promise) {
        const tracked: Promise<void> = result
          .catch((error: unknown) => fail(error, tick.seq))
          .finally(() => pending.delete(tracked));
        pending.add(tracked);
      }
    } catch (error) {
      fail(error, tick.seq);
    }
  }

  while (pending.size > 0) await Promise.all(pending);
  return { ticks: lateness.length, skipped, lastSeq: seq - 1, nextSeq: seq, failed, lateness };
}
