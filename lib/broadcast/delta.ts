/**
 * Delta frames of a leaderboard (opt-in per client: docs/broadcast.md, "Delta frames").
 *
 * A `campaign.delta` carries, against the frame of `base_seq` (the previous frame), the rows of
 * the top N that changed — added, or whose content (score, ranking value…) changed — each with
 * its 1-based `rank`, and the users that left the top N. Rows that only moved because others
 * changed are not sent: the relative order of unchanged rows never changes (ranking is by
 * their own values, and ties by a rule on them), so a client rebuilds the exact list by
 * removing the removed and changed users, then inserting each changed row at its rank in
 * ascending rank order ({@link applyLeaderboardDelta}): every row placed at rank r finds the
 * r − 1 rows before it already in place.
 */
import type { LeaderboardEntry } from './frame.ts';

export interface RankedRow extends LeaderboardEntry {
  /** 1-based position in the top N. */
  rank: number;
}

export interface LeaderboardDelta {
  /** Users no longer in the top N. */
  removed: string[];
  /** Rows added or changed, ascending by rank. */
  rows: RankedRow[];
}

/**
 * Whether two rows have the same content: field by field (nested values as JSON), not by
 * serializing both rows — that made a 100-row delta cost ~6× its full frame (bench/broadcast-delta.ts).
 */
function same(a: LeaderboardEntry, b: LeaderboardEntry): boolean {
  if (a === b) return true;
  let fields = 0;
  for (const key in a) {
    fields += 1;
    const x: unknown = a[key];
    const y: unknown = b[key];
    if (x === y) continue;
    if (!Object.hasOwn(b, key) || typeof x !== 'object' || typeof y !== 'object') return false;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  for (const _ in b) fields -= 1;
  return fields === 0;
}

/** What changed from `prev` to `next` (both ordered, best first). */
export function leaderboardDelta(
  prev: readonly LeaderboardEntry[],
  next: readonly LeaderboardEntry[],
): LeaderboardDelta {
  const before = new Map(prev.map((e) => [e.user, e]));
  const after = new Set(next.map((e) => e.user));
  const rows: RankedRow[] = [];
  next.forEach((e, i) => {
    const old = before.get(e.user);
    if (old === undefined || !same(old, e)) rows.push({ ...e, rank: i + 1 });
  });
  return { removed: prev.filter((e) => !after.has(e.user)).map((e) => e.user), rows };
}

/** The leaderboard after `delta` (see the module comment); `held` is not modified. */
export function applyLeaderboardDelta(
  held: readonly LeaderboardEntry[],
  delta: LeaderboardDelta,
): LeaderboardEntry[] {
  const gone = new Set([...delta.removed, ...delta.rows.map((r) => r.user)]);
  const out = held.filter((e) => !gone.has(e.user));
  for (const { rank, ...row } of [...delta.rows].sort((a, b) => a.rank - b.rank))
    out.splice(rank - 1, 0, row);
  return out;
}
