import { describe, expect, it } from 'vitest';
import { PostBudget } from '../../../lib/broadcast/budget.ts';
import { FanOut } from '../../../lib/broadcast/fanout.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i}`);

describe('PostBudget', () => {
  it('refills at its rate and holds at most one second of posts', () => {
    let now = 0;
    const b = new PostBudget({ postsPerSecond: 1000, now: () => now });
    expect(b.available()).toBe(1000);
    b.spend(1000);
    now = 100;
    expect(b.available()).toBe(100);
    now = 10_000;
    expect(b.available()).toBe(1000);
  });

  it('cuts the rate on throttling at most once per hold period, and recovers additively', () => {
    let now = 0;
    const b = new PostBudget({
      postsPerSecond: 1000,
      decreaseFactor: 0.5,
      increasePerSecond: 100,
      now: () => now,
    });
    b.onThrottled();
    b.onThrottled(); // same overload: no second cut
    expect(b.rate).toBe(500);
    expect(b.throttled).toBe(2);
    now = 1500;
    b.onThrottled();
    expect(b.rate).toBe(250);
    expect(b.decreases).toBe(2);
    now = 2000; // hold: 1 s after the last throttle before growing
    b.available();
    expect(b.rate).toBe(250);
    now = 4500; // 2 s of growth at 100/s
    b.available();
    expect(b.rate).toBeCloseTo(450, 5);
    now = 60_000;
    b.available();
    expect(b.rate).toBe(1000); // back to the configured rate, never above
  });

  it('never goes below its minimum', () => {
    let now = 0;
    const b = new PostBudget({
      postsPerSecond: 100,
      minPostsPerSecond: 40,
      decreaseFactor: 0.5,
      now: () => now,
    });
    for (let i = 0; i < 10; i += 1) {
      now += 2000;
      b.onThrottled();
    }
    expect(b.rate).toBe(40);
  });
});

describe('FanOut with a budget', () => {
  /** Posts that settle at once (next turn). */
  const instant = async (): Promise<'ok'> => 'ok';

  it('thins fairly: round robin gives every client the same lower rate, nobody starves', async () => {
    let now = 0;
    const budget = new PostBudget({ postsPerSecond: 300, now: () => now });
    budget.spend(300); // start empty: 30 posts per 100 ms tick
    const sent = new Map<string, number>();
    const fan = new FanOut({
      post: async (id) => {
        sent.set(id, (sent.get(id) ?? 0) + 1);
        return 'ok';
      },
      budget,
    });
    const list = ids(100);
    let thinned = 0;
    for (let tick = 0; tick < 100; tick += 1) {
      now += 100;
      const stats = fan.broadcast(list, `f${tick}`);
      thinned += stats.thinned;
      expect(stats.started + stats.thinned).toBe(100);
      await fan.drain();
    }
    const counts = list.map((id) => sent.get(id) ?? 0);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(29);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(thinned).toBe(fan.totals().thinned);
    expect(fan.perConnection('c0').thinned).toBeGreaterThan(0);
  });

  it('counts a throttled post (429), drops its frame without retrying it, and cuts the budget', async () => {
    let now = 0;
    const budget = new PostBudget({ postsPerSecond: 1000, now: () => now });
    const calls: string[] = [];
    const fan = new FanOut({
      post: async (id) => {
        calls.push(id);
        return id === 'c1' ? 'throttled' : 'ok';
      },
      budget,
    });
    fan.broadcast(ids(3), 'f1');
    await fan.drain();
    expect(calls).toEqual(['c0', 'c1', 'c2']);
    expect(fan.totals()).toMatchObject({ sent: 2, throttled: 1, failed: 0 });
    expect(fan.perConnection('c1')).toMatchObject({ sent: 0, throttled: 1 });
    expect(budget.rate).toBe(700);
    now = 100;
    fan.broadcast(ids(3), 'f2');
    await fan.drain();
    expect(calls.filter((c) => c === 'c1')).toHaveLength(2); // next frame, not a retry
  });

  it('does not thin while the budget covers the load', async () => {
    let now = 0;
    const budget = new PostBudget({ postsPerSecond: 12_000, now: () => now });
    const fan = new FanOut({ post: instant, budget });
    for (let tick = 0; tick < 50; tick += 1) {
      now += 100;
      expect(fan.broadcast(ids(1000), `f${tick}`).thinned).toBe(0);
      await fan.drain();
    }
    expect(fan.totals()).toMatchObject({ sent: 50_000, thinned: 0 });
  });
});
