/**
 * Shards of a campaign's connections: when a campaign has more connections than one
 * broadcaster serves (`connectionsPerShard`), they are split over several broadcasters,
 * each serving the connections whose stable hash picks its shard.
 *
 * Assignment is rendezvous (highest random weight) hashing over FNV-1a of
 * `<shard>:<connection id>`: pure, the same in every process, and minimal on rebalancing —
 * going from n to n + 1 shards moves only the ~1/(n + 1) connections that the new shard
 * wins, and none between the old shards; connections coming and going move nobody else.
 */

/** FNV-1a, 32 bit, of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV alone mixes the last characters poorly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The shard (0 … count − 1) serving `connectionId` when the campaign has `count` shards. */
export function shardOf(connectionId: string, count: number): number {
  if (count <= 1) return 0;
  let best = 0;
  let bestWeight = -1;
  for (let shard = 0; shard < count; shard += 1) {
    const weight = fnv1a(`${shard}:${connectionId}`);
    if (weight > bestWeight) {
      bestWeight = weight;
      best = shard;
    }
  }
  return best;
}

/**
 * Connections one broadcaster serves at `hz`: at most `connectionsPerShard`, and no more than
 * its posting budget covers at that frequency (`postsPerSecond / hz`), so that a campaign is
 * split into shards before its frames would be thinned (1,000 connections at 10 Hz with a
 * 5,000 posts/s budget: 500 per shard, two shards). Without a budget, the cap alone.
 */
export function connectionsPerShardAt(
  hz: number,
  connectionsPerShard: number,
  postsPerSecond?: number,
): number {
  const cap = Math.max(1, Math.floor(connectionsPerShard));
  if (postsPerSecond === undefined || !(hz > 0)) return cap;
  return Math.max(1, Math.min(cap, Math.floor(postsPerSecond / hz)));
}

/** Shards needed for `connections` at `connectionsPerShard` each (≥ 1, ≤ `maxShards`). */
export function shardCountFor(connections: number, connectionsPerShard: number, maxShards = 64): number {
  const per = Math.max(1, Math.floor(connectionsPerShard));
  return Math.min(Math.max(1, maxShards), Math.max(1, Math.ceil(connections / per)));
}

/** The connections of `ids` that shard `index` of `count` serves (order kept). */
export function connectionsOfShard(ids: readonly string[], index: number, count: number): string[] {
  if (count <= 1) return [...ids];
  return ids.filter((id) => shardOf(id, count) === index);
}
