import { describe, expect, it } from 'vitest';
import {
  connectionsOfShard,
  connectionsPerShardAt,
  shardCountFor,
  shardOf,
} from '../../../lib/broadcast/shards.ts';

/** API Gateway-like connection ids. */
const ids = Array.from(
  { length: 6000 },
  (_, i) =>
    `${Buffer.from(`conn-${i}-${(i * 7919) % 104729}`)
      .toString('base64')
      .slice(0, 14)}=`,
);

describe('shards', () => {
  it('assignment is stable: the same id always gets the same shard', () => {
    for (const id of ids.slice(0, 200)) {
      expect(shardOf(id, 4)).toBe(shardOf(id, 4));
      expect(shardOf(id, 1)).toBe(0);
    }
  });

  it('spreads connections evenly (within 10 % of the mean)', () => {
    for (const count of [2, 3, 5, 8]) {
      const sizes = Array.from({ length: count }, (_, s) => connectionsOfShard(ids, s, count).length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
      const mean = ids.length / count;
      for (const size of sizes) expect(Math.abs(size - mean) / mean).toBeLessThan(0.1);
    }
  });

  it('rebalancing from n to n + 1 shards moves only connections onto the new shard (~1/(n+1))', () => {
    for (const n of [1, 2, 3, 6]) {
      let moved = 0;
      for (const id of ids) {
        const before = shardOf(id, n);
        const after = shardOf(id, n + 1);
        if (before !== after) {
          moved += 1;
          expect(after).toBe(n); // never between old shards
        }
      }
      expect(moved / ids.length).toBeGreaterThan(0.8 / (n + 1));
      expect(moved / ids.length).toBeLessThan(1.2 / (n + 1));
    }
  });

  it('connections coming and going move nobody else', () => {
    const before = new Map(ids.slice(0, 1000).map((id) => [id, shardOf(id, 3)]));
    const after = ids.slice(500, 1500); // half left, 500 new
    for (const id of after) if (before.has(id)) expect(shardOf(id, 3)).toBe(before.get(id));
  });

  it('shard count: one per connectionsPerShard, at least one, capped', () => {
    expect(shardCountFor(0, 1000)).toBe(1);
    expect(shardCountFor(1000, 1000)).toBe(1);
    expect(shardCountFor(1001, 1000)).toBe(2);
    expect(shardCountFor(5000, 1700)).toBe(3);
    expect(shardCountFor(1_000_000, 10, 64)).toBe(64);
  });

  it('connections per shard: the cap, and no more than the budget covers at the frequency', () => {
    expect(connectionsPerShardAt(10, 1000, 5000)).toBe(500); // 1,000 at 10 Hz → two shards
    expect(shardCountFor(1000, connectionsPerShardAt(10, 1000, 5000))).toBe(2);
    expect(connectionsPerShardAt(5, 1000, 5000)).toBe(1000);
    expect(connectionsPerShardAt(2, 1000, 5000)).toBe(1000); // the cap
    expect(connectionsPerShardAt(50, 1000, 5000)).toBe(100);
    expect(connectionsPerShardAt(10, 1000)).toBe(1000); // no budget: the cap alone
    expect(connectionsPerShardAt(10, 1000, 3)).toBe(1); // never zero
    expect(connectionsPerShardAt(0, 1000, 5000)).toBe(1000);
  });
});
