import { describe, expect, it } from 'vitest';
import {
  FixedWindowRateLimiter,
  type ResetResult,
  verdictOf,
  type WindowCounterStore,
} from '../../../lib/broadcast/rate-limit.ts';
import { MemoryWindowStore } from '../../kit/memory-window-store.ts';

function limiter(limit = 100) {
  let now = 10_000;
  const store = new MemoryWindowStore<{ user: string }>();
  store.add('c1', { user: 'u1' });
  const rl = new FixedWindowRateLimiter({ store, limit, windowMs: 1000, now: () => now });
  return { rl, store, advance: (ms: number) => (now += ms) };
}

describe('verdictOf', () => {
  it('allows up to the limit, notifies once past it, then drops silently', () => {
    expect(verdictOf(100, 100)).toEqual({ allowed: true, notify: false });
    expect(verdictOf(101, 100)).toEqual({ allowed: false, notify: true });
    expect(verdictOf(102, 100)).toEqual({ allowed: false, notify: false });
  });
});

describe('FixedWindowRateLimiter', () => {
  it('allows 100 messages per second per connection (the original limit), then refuses', async () => {
    const { rl } = limiter();
    const verdicts = [];
    for (let i = 0; i < 150; i += 1) verdicts.push(await rl.hit('c1'));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(100);
    const refused = verdicts.filter((v) => !v.allowed && 'notify' in v);
    expect(refused).toHaveLength(50);
    expect(refused.filter((v) => 'notify' in v && v.notify)).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ allowed: true, count: 1, record: { user: 'u1' } });
  });

  it('opens a fresh window every second', async () => {
    const { rl, advance } = limiter(3);
    for (let i = 0; i < 5; i += 1) await rl.hit('c1');
    expect((await rl.hit('c1')).allowed).toBe(false);
    advance(1000);
    expect(await rl.hit('c1')).toMatchObject({ allowed: true, count: 1 });
    advance(999);
    expect(await rl.hit('c1')).toMatchObject({ allowed: true, count: 2 });
  });

  it('a sustained rate below the limit is never refused', async () => {
    const { rl, advance } = limiter(100);
    for (let i = 0; i < 1000; i += 1) {
      expect((await rl.hit('c1')).allowed).toBe(true);
      advance(11); // ~91 messages a second
    }
  });

  it('an unknown connection is "missing", not counted', async () => {
    const { rl } = limiter();
    expect(await rl.hit('nope')).toEqual({ allowed: false, missing: true });
  });

  it('counts into a window another message opened first (lost reset race)', async () => {
    const inner = new MemoryWindowStore<string>();
    inner.add('c', 'rec');
    let raced = false;
    const store: WindowCounterStore<string> = {
      increment: (k, w) => inner.increment(k, w),
      reset: async (k, w): Promise<ResetResult<string>> => {
        if (!raced) {
          raced = true;
          await inner.reset(k, w); // the concurrent message wins the reset
          return 'conflict';
        }
        return inner.reset(k, w);
      },
    };
    const rl = new FixedWindowRateLimiter({ store, limit: 10, now: () => 5_000 });
    expect(await rl.hit('c')).toMatchObject({ allowed: true, count: 2 });
  });

  it('concurrent hits are each counted once', async () => {
    const { rl } = limiter(50);
    const verdicts = await Promise.all(Array.from({ length: 80 }, () => rl.hit('c1')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(50);
    const counts = verdicts.map((v) => ('count' in v ? v.count : 0)).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
  });
});
