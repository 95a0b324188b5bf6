/**
 * Delta frames (lib/broadcast/delta.ts, ./tick-frames.ts) and the gap signal of the websocket
 * transport (./websocket-transport.ts over ./fanout.ts): examples, then fast-check properties
 * over random score streams, drops, resumes and slow posts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyLeaderboardDelta, leaderboardDelta } from '../../../lib/broadcast/delta.ts';
import type { PostResult } from '../../../lib/broadcast/fanout.ts';
import {
  type CampaignStatePayload,
  campaignDeltaFrameSchema,
  campaignStateFrameSchema,
  type LeaderboardEntry,
  withFrameFields,
} from '../../../lib/broadcast/frame.ts';
import { type BroadcastMode, TickFrames } from '../../../lib/broadcast/tick-frames.ts';
import { WebsocketTransport } from '../../../lib/broadcast/websocket-transport.ts';

const ID = '01JCAMPAIGN0000000000000000';
const TOP = 10;

const e = (user: string, score: number): LeaderboardEntry => ({ user, score });

/** Delta of `prev` → `next`, checked to rebuild `next` exactly. */
function roundTrip(prev: LeaderboardEntry[], next: LeaderboardEntry[]) {
  const delta = leaderboardDelta(prev, next);
  const frozen = structuredClone(prev);
  expect(applyLeaderboardDelta(prev, delta)).toEqual(next);
  expect(prev).toEqual(frozen); // held is not modified
  return delta;
}

describe('leaderboardDelta / applyLeaderboardDelta', () => {
  it('empty to empty, and an unchanged board, give an empty delta', () => {
    expect(roundTrip([], [])).toEqual({ removed: [], rows: [] });
    const board = [e('a', 30), e('b', 20), e('c', 10)];
    expect(roundTrip(board, [...board])).toEqual({ removed: [], rows: [] });
  });

  it('rows added to an empty board carry their 1-based rank', () => {
    expect(roundTrip([], [e('a', 30), e('b', 20)])).toEqual({
      removed: [],
      rows: [
        { user: 'a', score: 30, rank: 1 },
        { user: 'b', score: 20, rank: 2 },
      ],
    });
  });

  it('a user that leaves the top N is removed; the one that enters is added at its rank', () => {
    const prev = [e('a', 30), e('b', 20), e('c', 10)];
    const next = [e('a', 30), e('d', 25), e('b', 20)];
    expect(roundTrip(prev, next)).toEqual({ removed: ['c'], rows: [{ user: 'd', score: 25, rank: 2 }] });
    expect(roundTrip(prev, [])).toEqual({ removed: ['a', 'b', 'c'], rows: [] });
  });

  it('a score change in place sends that row only', () => {
    const prev = [e('a', 30), e('b', 20), e('c', 10)];
    expect(roundTrip(prev, [e('a', 30), e('b', 21), e('c', 10)])).toEqual({
      removed: [],
      rows: [{ user: 'b', score: 21, rank: 2 }],
    });
  });

  it('a row that climbs is sent; the rows it overtook move down without being sent', () => {
    const prev = [e('a', 30), e('b', 20), e('c', 10), e('d', 5)];
    const next = [e('d', 40), e('a', 30), e('b', 20), e('c', 10)];
    expect(roundTrip(prev, next)).toEqual({ removed: [], rows: [{ user: 'd', score: 40, rank: 1 }] });
  });

  it('ties: equal scores ordered by user, a row joining a tie lands at its rank', () => {
    const prev = [e('a', 20), e('c', 20), e('b', 10)];
    const next = [e('a', 20), e('b', 20), e('c', 20)];
    expect(roundTrip(prev, next)).toEqual({ removed: [], rows: [{ user: 'b', score: 20, rank: 2 }] });
    const swapped = roundTrip(
      [e('x', 5), e('y', 5)],
      [e('y', 6), e('x', 5)], // y overtakes
    );
    expect(swapped.rows).toEqual([{ user: 'y', score: 6, rank: 1 }]);
  });

  it('a change of another field of a row (not the score) sends the row', () => {
    const prev = [{ user: 'a', score: 1, name: 'Ann' }];
    const next = [{ user: 'a', score: 1, name: 'Anna' }];
    expect(roundTrip(prev, next).rows).toEqual([{ user: 'a', score: 1, name: 'Anna', rank: 1 }]);
    // Nested values compare by content; a field added or dropped is a change.
    const badge = [{ user: 'a', score: 1, badge: { level: 2 } }];
    expect(roundTrip(badge, [{ user: 'a', score: 1, badge: { level: 2 } }]).rows).toEqual([]);
    expect(roundTrip(badge, [{ user: 'a', score: 1, badge: { level: 3 } }]).rows).toHaveLength(1);
    expect(roundTrip(badge, [{ user: 'a', score: 1 }]).rows).toEqual([{ user: 'a', score: 1, rank: 1 }]);
    expect(roundTrip([e('a', 1)], badge).rows).toHaveLength(1);
  });

  it('several changes at once, rows in any order in the delta, rebuild the board', () => {
    const prev = [e('a', 50), e('b', 40), e('c', 30), e('d', 20), e('e', 10)];
    const next = [e('e', 60), e('a', 50), e('c', 35), e('f', 25), e('d', 20)];
    const delta = roundTrip(prev, next);
    expect(delta.removed).toEqual(['b']);
    expect(delta.rows.map((r) => r.user)).toEqual(['e', 'c', 'f']);
    expect(applyLeaderboardDelta(prev, { ...delta, rows: [...delta.rows].reverse() })).toEqual(next);
  });
});

// ---------------------------------------------------------------------------------------------
// A game: users' scores change each tick; the top N is sorted by score desc, then user asc.

/** One score update: user `u` gets score `score`, or leaves the game (`null`). */
type Update = { u: number; score: number | null };

const userName = (u: number): string => `user-${String(u).padStart(4, '0')}`;

class Game {
  readonly scores = new Map<string, number>();

  apply(updates: readonly Update[]): void {
    for (const { u, score } of updates) {
      if (score === null) this.scores.delete(userName(u));
      else this.scores.set(userName(u), score);
    }
  }

  payload(): CampaignStatePayload {
    const leaderboard = [...this.scores]
      .map(([user, score]) => ({ user, score }))
      .sort((a, b) => b.score - a.score || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
      .slice(0, TOP);
    return { leaderboard, live_participant_count: this.scores.size };
  }
}

// Small score ranges make ties frequent; 0..24 users around a top 10 make users enter and leave it.
const update = fc.record({ u: fc.nat({ max: 24 }), score: fc.option(fc.nat({ max: 30 }), { nil: null }) });
const tickUpdates = fc.array(update, { maxLength: 6 });

type Parsed =
  | { kind: 'state'; seq: number; missed: number; leaderboard: LeaderboardEntry[]; rest: unknown }
  | {
      kind: 'delta';
      seq: number;
      baseSeq: number;
      delta: Parameters<typeof applyLeaderboardDelta>[1];
      rest: unknown;
    };

/** Parse (and validate against its schema) one frame as a client receives it. */
function parse(bytes: Uint8Array | string): Parsed {
  const json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8')) as {
    type?: unknown;
  };
  if (json.type === 'campaign.delta') {
    const f = campaignDeltaFrameSchema.parse(json);
    const { removed, rows, ...rest } = f.payload;
    return { kind: 'delta', seq: f.seq, baseSeq: f.base_seq, delta: { removed, rows }, rest };
  }
  const f = campaignStateFrameSchema.parse(json);
  const { leaderboard, ...rest } = f.payload;
  return { kind: 'state', seq: f.seq, missed: f.missed ?? 0, leaderboard, rest };
}

/**
 * A delta client: applies deltas in order; on a gap (a delta whose base is not the seq it holds)
 * it drops what it holds and waits for the next full snapshot.
 */
class DeltaClient {
  held: { seq: number; board: LeaderboardEntry[]; rest: unknown } | undefined;
  applied = 0;
  gaps = 0;

  receive(frame: Parsed): void {
    if (frame.kind === 'state') {
      this.held = { seq: frame.seq, board: frame.leaderboard, rest: frame.rest };
      return;
    }
    if (this.held === undefined) return; // waiting for a snapshot
    if (frame.baseSeq !== this.held.seq) {
      this.gaps += 1;
      this.held = undefined;
      return;
    }
    this.held = {
      seq: frame.seq,
      board: applyLeaderboardDelta(this.held.board, frame.delta),
      rest: frame.rest,
    };
    this.applied += 1;
  }
}

describe('delta frames rebuild the leaderboard (fast-check)', () => {
  it('a client that applies deltas in order, and takes a snapshot after a gap or on resume, holds the full frame of every seq', () => {
    let applied = 0;
    let gaps = 0;
    let resumes = 0;
    const tick = fc.record({
      updates: tickUpdates,
      /** What this client gets of the tick's frame: it, nothing (dropped), or a resume snapshot. */
      fate: fc.constantFrom('get', 'get', 'get', 'get', 'get', 'get', 'get', 'get', 'drop', 'resume'),
    });
    fc.assert(
      fc.property(
        fc.array(tick, { minLength: 1, maxLength: 80, size: 'medium' }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<BroadcastMode>('every_tick', 'on_change'),
        (ticks, deltaEvery, mode) => {
          const game = new Game();
          const frames = new TickFrames({ campaignId: ID, heartbeatMs: 3_000 });
          const client = new DeltaClient();
          /** The seq of the last frame sent (on-change mode skips some). */
          let previous: number | undefined;
          for (const [i, { updates, fate }] of ticks.entries()) {
            const seq = i + 1;
            game.apply(updates);
            const out = frames.frame(
              mode,
              seq,
              1_700_000_000_000 + seq * 1000,
              game.payload(),
              seq * 1000,
              deltaEvery,
            );
            if (out === undefined) continue;
            const full = parse(out.text);
            if (full.kind !== 'state') throw new Error('the full frame is a campaign.state');
            expect(full.seq).toBe(seq);
            expect(full.leaderboard).toEqual(game.payload().leaderboard);
            if (out.delta !== undefined) {
              const delta = parse(out.delta);
              expect(delta).toMatchObject({ kind: 'delta', seq, baseSeq: previous, rest: full.rest });
            }
            const inSync = client.held !== undefined && client.held.seq === previous;
            previous = seq;
            if (fate === 'drop') continue;
            if (fate === 'resume') {
              // Reconnect with last_seq: what it held is gone, a snapshot of this seq comes at once.
              const from = client.held?.seq ?? null;
              const resumed = from === null ? { from } : { from, missed: seq - from - 1 };
              client.held = undefined;
              client.receive(parse(withFrameFields(out.text, { resumed })));
              resumes += 1;
            } else {
              client.receive(parse(out.delta ?? out.text));
            }
            // In sync stays in sync; a snapshot (periodic, or on resume) brings it back.
            if (inSync || out.delta === undefined || fate === 'resume') expect(client.held).toBeDefined();
            if (client.held !== undefined) {
              expect(client.held.seq).toBe(seq);
              expect(client.held.board).toEqual(full.leaderboard);
              expect(client.held.rest).toEqual(full.rest);
            }
          }
          applied += client.applied;
          gaps += client.gaps;
        },
      ),
      { numRuns: 150 },
    );
    // The property is not vacuous: deltas were applied, gaps and resumes happened.
    expect(applied).toBeGreaterThan(1000);
    expect(gaps).toBeGreaterThan(100);
    expect(resumes).toBeGreaterThan(200);
  }, 60_000);

  it('a delta client is back in sync at the next full snapshot after a gap', () => {
    fc.assert(
      fc.property(
        fc.array(tickUpdates, { minLength: 12, maxLength: 40 }),
        fc.integer({ min: 2, max: 5 }),
        (ticks, k) => {
          const game = new Game();
          const frames = new TickFrames({ campaignId: ID });
          const client = new DeltaClient();
          for (const [i, updates] of ticks.entries()) {
            game.apply(updates);
            const out = frames.frame('every_tick', i + 1, 0, game.payload(), 0, k)!;
            if (i === 3) continue; // one lost frame
            client.receive(parse(out.delta ?? out.text));
            // Out of sync from the loss until the next full frame (every k-th), at most k frames.
            if (i < 3 || i + 1 >= Math.ceil(5 / k) * k) expect(client.held?.seq).toBe(i + 1);
            else if (i > 3) expect(client.held).toBeUndefined();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Through the websocket transport: a fake PostToConnection that answers late (so the drop policy
// drops frames), sometimes 429 or an error, settled by the test at tick boundaries.

/** How one post goes: answered after `late` more frames were sent (0: before the next one), with `result`. */
type PostFate = { late: number; result: PostResult | 'error' };

const postFate: fc.Arbitrary<PostFate> = fc.record({
  late: fc.constantFrom(0, 0, 0, 0, 0, 0, 1, 2, 3),
  result: fc.constantFrom<PostResult | 'error'>('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'throttled', 'error'),
});

interface Pending {
  id: string;
  data: Uint8Array | string;
  due: number;
  result: PostResult | 'error';
  resolve: (r: PostResult) => void;
  reject: (e: unknown) => void;
}

/** The fake management API: posts wait until their tick is due; what is answered 200 is received. */
function fakeApi(fates: readonly PostFate[]) {
  const pending: Pending[] = [];
  const received = new Map<string, Parsed[]>();
  let n = 0;
  let now = 0;
  let allFast = false;
  const post = (id: string, data: Uint8Array | string): Promise<PostResult> =>
    new Promise<PostResult>((resolve, reject) => {
      const fate = allFast
        ? { late: Number.NEGATIVE_INFINITY, result: 'ok' as const }
        : fates[n++ % fates.length]!;
      pending.push({ id, data, due: now + fate.late, result: fate.result, resolve, reject });
    });
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  /**
   * Before the frame of `tick`: answer every post due before it. A post started meanwhile (a
   * frame that waited for a pool slot) is due at `tick` at the earliest: in flight during that frame.
   */
  const settleUntil = async (tick: number): Promise<void> => {
    now = tick;
    for (;;) {
      const due = pending.filter((p) => p.due < tick);
      if (due.length === 0) return;
      for (const p of due) {
        pending.splice(pending.indexOf(p), 1);
        if (p.result === 'error') p.reject(new Error('socket hang up'));
        else {
          if (p.result === 'ok') {
            const list = received.get(p.id) ?? [];
            list.push(parse(p.data));
            received.set(p.id, list);
          }
          p.resolve(p.result);
        }
      }
      await flush();
    }
  };
  return {
    post,
    received,
    settleUntil,
    /** From now on every post is answered 200 at once. */
    goFast(): void {
      allFast = true;
      for (const p of pending) {
        p.due = Number.NEGATIVE_INFINITY;
        if (p.result === 'error' || p.result === 'throttled') p.result = 'ok';
      }
    },
  };
}

describe('the websocket transport: gap signal and deltas per connection (fast-check)', () => {
  it('missed values sum to the frames a connection did not get; a delta always has the base it holds', async () => {
    let missedSeen = 0;
    let deltasSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(tickUpdates, { minLength: 1, maxLength: 40, size: 'medium' }),
        fc.array(postFate, { minLength: 1, maxLength: 60 }),
        /** Per connection: the tick it joins the audience at, and whether it takes deltas. */
        fc.array(fc.record({ joins: fc.nat({ max: 20 }), deltas: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        async (ticks, fates, conns, concurrency, deltaEvery) => {
          const api = fakeApi(fates);
          const transport = new WebsocketTransport(
            ID,
            { post: api.post, removeConnection: async () => undefined },
            { concurrency },
          );
          const ids = conns.map((_, i) => `conn-${i}`);
          const deltaIds = new Set(ids.filter((_, i) => conns[i]!.deltas));
          const game = new Game();
          const frames = new TickFrames({ campaignId: ID });
          const boards = new Map<number, LeaderboardEntry[]>();
          /** Per connection, the seqs of the frames the broadcaster sent while it was in the audience. */
          const addressed = new Map<string, number[]>(ids.map((id) => [id, []]));

          const tick = async (seq: number, updates: readonly Update[]) => {
            await api.settleUntil(seq);
            const audience = ids.filter((_, i) => conns[i]!.joins < seq);
            transport.setAudience(audience, deltaIds);
            game.apply(updates);
            const out = frames.frame('every_tick', seq, seq * 100, game.payload(), seq * 100, deltaEvery)!;
            boards.set(seq, game.payload().leaderboard);
            for (const id of audience) addressed.get(id)!.push(seq);
            transport.send(out);
          };
          for (const [i, updates] of ticks.entries()) await tick(i + 1, updates);
          // Then every post answers at once, and one last frame reports what was lost at the end.
          api.goFast();
          await api.settleUntil(ticks.length + 1);
          await transport.drain();
          await tick(ticks.length + 1, []);
          await api.settleUntil(ticks.length + 2);
          await transport.drain();

          for (const id of ids) {
            const got = api.received.get(id) ?? [];
            const sent = addressed.get(id)!;
            const client = new DeltaClient();
            let last: number | undefined;
            let missedSum = 0;
            for (const frame of got) {
              // Frames arrive in order, each at most once.
              if (last !== undefined) expect(frame.seq).toBeGreaterThan(last);
              if (frame.kind === 'state') {
                // `missed`: exactly the frames addressed to it since its last delivered one.
                const expected = sent.filter((s) => s > (last ?? 0) && s < frame.seq).length;
                expect(frame.missed, `${id} seq ${frame.seq}`).toBe(expected);
                missedSum += frame.missed;
                missedSeen += frame.missed;
              } else {
                // A delta only to a delta connection, against the last frame it received.
                expect(deltaIds.has(id)).toBe(true);
                expect(frame.baseSeq, `${id} seq ${frame.seq}`).toBe(last);
                deltasSeen += 1;
              }
              client.receive(frame);
              expect(client.held?.seq).toBe(frame.seq);
              expect(client.held?.board).toEqual(boards.get(frame.seq));
              last = frame.seq;
            }
            // The last frame went out with every post answering at once: it reached everybody.
            if (sent.length > 0) expect(last).toBe(ticks.length + 1);
            expect(missedSum).toBe(sent.length - got.length);
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(missedSeen).toBeGreaterThan(500);
    expect(deltasSeen).toBeGreaterThan(50);
  }, 60_000);
});
