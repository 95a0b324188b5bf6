/**
 * The account's posting share (lib/broadcast/share.ts) over an in-memory ledger, and the
 * posting budget's ceiling it sets (lib/broadcast/budget.ts).
 */
import { describe, expect, it } from 'vitest';
import { PostBudget } from '../../../lib/broadcast/budget.ts';
import {
  capToShare,
  PostingShare,
  type ShareLedger,
  type WindowTotal,
} from '../../../lib/broadcast/share.ts';

class MemoryLedger implements ShareLedger {
  readonly windows = new Map<number, WindowTotal>();
  async add(window: number, demand: number): Promise<void> {
    const w = this.windows.get(window) ?? { demand: 0, broadcasters: 0 };
    this.windows.set(window, { demand: w.demand + demand, broadcasters: w.broadcasters + 1 });
  }
  async read(window: number): Promise<WindowTotal | undefined> {
    return this.windows.get(window);
  }
}

describe('PostingShare', () => {
  it('adds each broadcaster once per window and scales everybody by budget / total of the last window', async () => {
    const ledger = new MemoryLedger();
    let now = 10_000;
    const a = new PostingShare(ledger, { budget: 5_000, now: () => now });
    const b = new PostingShare(ledger, { budget: 5_000, now: () => now });
    await a.report(4_000);
    await a.report(4_000); // same window: not added twice
    await b.report(6_000);
    expect(ledger.windows.get(5)).toEqual({ demand: 10_000, broadcasters: 2 });
    expect(a.scale).toBe(1); // nothing complete yet
    now += 2_000;
    await a.report(4_000);
    await b.report(6_000);
    expect(a.scale).toBe(0.5);
    expect(a.oversubscribed).toBe(true);
    expect(a.allowance(4_000) + b.allowance(6_000)).toBe(5_000);
  });

  it('a broadcaster that stops reporting drops out of the next window', async () => {
    const ledger = new MemoryLedger();
    let now = 0;
    const a = new PostingShare(ledger, { budget: 5_000, now: () => now });
    const gone = new PostingShare(ledger, { budget: 5_000, now: () => now });
    await a.report(3_000);
    await gone.report(9_000);
    now = 2_000;
    await a.report(3_000);
    expect(a.oversubscribed).toBe(true);
    now = 4_000;
    await a.report(3_000);
    expect(a.scale).toBe(1);
  });

  it('capToShare: the budget follows the share, and goes back to its rate when the share is free again', async () => {
    const ledger = new MemoryLedger();
    let now = 0;
    const share = new PostingShare(ledger, { budget: 5_000, now: () => now });
    const budget = new PostBudget({ postsPerSecond: 5_000, now: () => now });
    await ledger.add(-1, 20_000);
    await share.report(5_000);
    expect(capToShare(share, budget, 5_000)).toBe(true);
    expect(budget.rate).toBe(1_250);
    now = 2_000;
    await share.report(5_000);
    expect(capToShare(share, budget, 5_000)).toBe(false);
    expect(budget.rate).toBe(5_000);
  });
});

describe('PostBudget ceiling', () => {
  it('caps the rate and never lets AIMD recovery pass it', () => {
    let now = 0;
    const b = new PostBudget({ postsPerSecond: 1_000, now: () => now });
    b.setCeiling(400);
    expect(b.rate).toBe(400);
    now += 10_000;
    expect(b.available()).toBeLessThanOrEqual(400);
    expect(b.rate).toBe(400);
    b.setCeiling(5_000); // above the configured rate: the configured rate
    expect(b.ceiling).toBe(1_000);
    expect(b.rate).toBe(1_000);
  });
});
