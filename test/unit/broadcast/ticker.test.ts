import { describe, expect, it } from 'vitest';
import { effectiveHz, type RunTicksOptions, runTicks, type Tick } from '../../../lib/broadcast/ticker.ts';
import { FakeClock } from '../../kit/fake-clock.ts';

/** Start a burst on a fake clock, recording every tick. */
function start(clock: FakeClock, opts: Partial<RunTicksOptions> & { durationMs: number }) {
  const ticks: Tick[] = [];
  const onTick = opts.onTick ?? (() => undefined);
  const run = runTicks({
    clock,
    frequencyHz: () => 5,
    ...opts,
    onTick: (tick) => {
      ticks.push(tick);
      return onTick(tick);
    },
  });
  let settled = false;
  void run.then(() => {
    settled = true;
  });
  return { ticks, run, isSettled: () => settled };
}

const times = (ticks: Tick[], t0: number): number[] => ticks.map((t) => t.scheduledAt - t0);

describe('runTicks: absolute schedule', () => {
  it('5 Hz for 10 s gives 50 ticks due exactly at anchor + k·200 ms, on time', async () => {
    const clock = new FakeClock(1_000);
    const { ticks, run } = start(clock, { durationMs: 10_000 });
    await clock.advance(10_000);
    const result = await run;

    expect(result.ticks).toBe(50);
    expect(result.skipped).toBe(0);
    expect(times(ticks, 1_000)).toEqual(Array.from({ length: 50 }, (_, k) => k * 200));
    expect(ticks.every((t) => t.startedAt === t.scheduledAt && t.lateness === 0)).toBe(true);
    expect(ticks.map((t) => t.seq)).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    expect(result).toMatchObject({ lastSeq: 50, nextSeq: 51, failed: 0 });
    expect(result.lateness).toEqual(Array(50).fill(0));
    expect(clock.pending).toBe(0);
  });

  it('does not wait for onTick: work longer than a period shifts no tick, and is awaited at the end', async () => {
    const clock = new FakeClock();
    let finished = 0;
    const { ticks, run, isSettled } = start(clock, {
      durationMs: 2_000,
      onTick: async (tick) => {
        await clock.sleepUntil(tick.startedAt + 500); // 2.5 periods of work
        finished += 1;
      },
    });
    await clock.advance(2_000);

    expect(times(ticks, 0)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]);
    expect(ticks.every((t) => t.lateness === 0)).toBe(true);
    // The tick due at 1800 is still working until 2300: the burst is not over yet.
    expect(isSettled()).toBe(false);
    expect(finished).toBe(8);

    await clock.advance(300);
    const result = await run;
    expect(finished).toBe(10);
    expect(result.ticks).toBe(10);
  });

  it('a tick whose onTick blocks past the next due time makes only that next tick late (no drift)', async () => {
    const clock = new FakeClock();
    const { ticks, run } = start(clock, {
      durationMs: 1_400,
      onTick: (tick) => {
        if (tick.seq === 3) clock.stall(250); // synchronous work: 1.25 periods
      },
    });
    await clock.advance(1_400);
    const result = await run;

    expect(times(ticks, 0)).toEqual([0, 200, 400, 600, 800, 1000, 1200]);
    expect(ticks.map((t) => t.lateness)).toEqual([0, 0, 0, 50, 0, 0, 0]);
    expect(result.skipped).toBe(0);
  });

  it('a frequency change from 5 to 10 Hz changes the spacing from the next tick on', async () => {
    const clock = new FakeClock();
    let hz = 5;
    const { ticks, run } = start(clock, {
      durationMs: 2_000,
      frequencyHz: () => hz,
      onTick: (tick) => {
        if (tick.seq === 5) hz = 10; // at t = 800; read again before the tick due at 1000
        if (tick.seq === 10) hz = 2; // at t = 1400
      },
    });
    await clock.advance(2_000);
    await run;

    // 200 ms apart up to the tick at 1000 (due under the old period), then 100 ms apart;
    // then 500 ms apart after the tick at 1500.
    expect(times(ticks, 0)).toEqual([0, 200, 400, 600, 800, 1000, 1100, 1200, 1300, 1400, 1500]);
    expect(ticks.every((t) => t.lateness === 0)).toBe(true);
    expect(ticks.map((t) => t.seq)).toEqual(Array.from({ length: 11 }, (_, k) => k + 1));
  });

  it('clamps the frequency to maxHz and treats a non-positive frequency as the 1 Hz default', async () => {
    expect(effectiveHz(500)).toBe(50);
    expect(effectiveHz(20, 10)).toBe(10);
    expect(effectiveHz(0)).toBe(1);
    expect(effectiveHz(Number.NaN)).toBe(1);
    expect(effectiveHz(-3)).toBe(1);
    expect(effectiveHz(2.5)).toBe(2.5);

    const clock = new FakeClock();
    const { ticks, run } = start(clock, { durationMs: 100, frequencyHz: () => 1_000, maxHz: 20 });
    await clock.advance(100);
    await run;
    expect(times(ticks, 0)).toEqual([0, 50]);
  });
});

describe('runTicks: falling behind', () => {
  it('a stall of over 3 periods skips the missed ticks instead of bursting; seq stays contiguous', async () => {
    const clock = new FakeClock();
    const { ticks, run } = start(clock, {
      durationMs: 2_000,
      onTick: (tick) => {
        if (tick.seq === 2) clock.stall(650); // at t = 200: the loop next runs at 850
      },
    });
    await clock.advance(2_000);
    const result = await run;

    // 400 and 600 are overdue by a period or more: skipped. 800 is emitted, 50 ms late.
    expect(times(ticks, 0)).toEqual([0, 200, 800, 1000, 1200, 1400, 1600, 1800]);
    expect(ticks.map((t) => t.lateness)).toEqual([0, 0, 50, 0, 0, 0, 0, 0]);
    expect(result.skipped).toBe(2);
    expect(result.ticks + result.skipped).toBe(10);
    // Skipped ticks consume no seq: clients see 1, 2, 3, … with no gap.
    expect(ticks.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a stall past the end of the burst counts only the ticks inside it as skipped', async () => {
    const clock = new FakeClock();
    const { ticks, run } = start(clock, {
      durationMs: 1_000,
      onTick: (tick) => {
        if (tick.seq === 1) clock.stall(5_000);
      },
    });
    await clock.advance(1_000);
    const result = await run;
    expect(ticks).toHaveLength(1);
    expect(result).toMatchObject({ ticks: 1, skipped: 4, lastSeq: 1, nextSeq: 2 });
  });
});

describe('runTicks: sequence, errors, abort', () => {
  it('startSeq continues the sequence of a previous burst', async () => {
    const clock = new FakeClock();
    const first = start(clock, { durationMs: 1_000 });
    await clock.advance(1_000);
    const r1 = await first.run;
    expect(r1).toMatchObject({ ticks: 5, lastSeq: 5, nextSeq: 6 });

    const second = start(clock, { durationMs: 600, startSeq: r1.nextSeq });
    await clock.advance(600);
    const r2 = await second.run;
    expect(second.ticks.map((t) => t.seq)).toEqual([6, 7, 8]);
    expect(r2).toMatchObject({ lastSeq: 8, nextSeq: 9 });
  });

  it('an empty burst reports lastSeq = startSeq - 1', async () => {
    const clock = new FakeClock();
    const result = await runTicks({
      clock,
      durationMs: 0,
      frequencyHz: () => 5,
      onTick: () => undefined,
      startSeq: 42,
    });
    expect(result).toMatchObject({ ticks: 0, lastSeq: 41, nextSeq: 42 });
  });

  it('counts rejected and throwing onTick calls, reports them, and keeps ticking', async () => {
    const clock = new FakeClock();
    const errors: Array<[unknown, number]> = [];
    const { ticks, run } = start(clock, {
      durationMs: 1_000,
      onError: (error, seq) => errors.push([error, seq]),
      onTick: async (tick) => {
        if (tick.seq === 2) throw new Error('rejected');
      },
    });
    await clock.advance(1_000);
    const result = await run;
    expect(ticks).toHaveLength(5);
    expect(result.failed).toBe(1);
    expect(errors).toEqual([[new Error('rejected'), 2]]);

    const sync = await (async () => {
      const c = new FakeClock();
      const r = runTicks({
        clock: c,
        durationMs: 400,
        frequencyHz: () => 5,
        onTick: (tick) => {
          if (tick.seq === 1) throw new Error('thrown');
        },
      });
      await c.advance(400);
      return r;
    })();
    expect(sync).toMatchObject({ ticks: 2, failed: 1 });
  });

  it('stops on abort, without further ticks, and releases its sleep', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const { ticks, run } = start(clock, { durationMs: 10_000, signal: controller.signal });
    await clock.advance(500); // ticks at 0, 200, 400; sleeping until 600
    expect(clock.pending).toBe(1);
    controller.abort();
    const result = await run;
    expect(result.ticks).toBe(3);
    expect(times(ticks, 0)).toEqual([0, 200, 400]);
    expect(clock.pending).toBe(0);

    await clock.advance(2_000);
    expect(ticks).toHaveLength(3);
  });

  it('emits nothing when aborted before the start', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runTicks({
      clock: new FakeClock(),
      durationMs: 1_000,
      frequencyHz: () => 5,
      onTick: () => undefined,
      signal: controller.signal,
    });
    expect(result.ticks).toBe(0);
  });
});
