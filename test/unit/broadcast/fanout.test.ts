import { afterEach, describe, expect, it, vi } from 'vitest';
import { FanOut, type FanOutOptions, type PostResult } from '../../../lib/broadcast/fanout.ts';
import { campaignStateFrame } from '../../../lib/broadcast/frame.ts';

interface PendingPost {
  id: string;
  data: Uint8Array | string;
  resolve: (result: PostResult) => void;
  reject: (error: unknown) => void;
}

/** A `post` whose calls stay pending until the test settles them by hand. */
function controllablePost() {
  const pending: PendingPost[] = [];
  const calls: Array<{ id: string; data: Uint8Array | string }> = [];
  let active = 0;
  let maxActive = 0;
  const post = (id: string, data: Uint8Array | string): Promise<PostResult> => {
    calls.push({ id, data });
    active += 1;
    maxActive = Math.max(maxActive, active);
    return new Promise<PostResult>((resolve, reject) => {
      pending.push({
        id,
        data,
        resolve: (r) => {
          active -= 1;
          resolve(r);
        },
        reject: (e) => {
          active -= 1;
          reject(e);
        },
      });
    });
  };
  /** Settle the pending posts of `ids` (all pending posts when omitted). */
  const settle = async (ids?: readonly string[], result: PostResult = 'ok'): Promise<void> => {
    for (const p of [...pending]) {
      if (ids !== undefined && !ids.includes(p.id)) continue;
      pending.splice(pending.indexOf(p), 1);
      p.resolve(result);
    }
    await flush();
  };
  return {
    post,
    pending,
    calls,
    settle,
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pendingIds = (p: ReturnType<typeof controllablePost>): string[] => p.pending.map((x) => x.id).sort();
const fanOut = (opts: Partial<FanOutOptions> & Pick<FanOutOptions, 'post'>): FanOut => new FanOut(opts);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FanOut: drop policy', () => {
  it('a slow connection with a frame in flight drops the next frames; fast ones get every frame', async () => {
    const p = controllablePost();
    const fan = fanOut({ post: p.post });
    const ids = ['slow', 'fast-1', 'fast-2'];

    expect(fan.broadcast(ids, 'frame-1')).toEqual({ targeted: 3, started: 3, dropped: 0, thinned: 0 });
    for (let i = 2; i <= 5; i += 1) {
      await p.settle(['fast-1', 'fast-2']); // fast clients answer within the period
      expect(fan.broadcast(ids, `frame-${i}`)).toEqual({ targeted: 3, started: 2, dropped: 1, thinned: 0 });
    }
    await p.settle(['fast-1', 'fast-2']);
    expect(fan.perConnection('fast-1')).toMatchObject({ sent: 5, dropped: 0 });
    expect(fan.perConnection('slow')).toMatchObject({ sent: 0, dropped: 4 });

    // The slow post finally answers: the slow client gets the next frame, not a backlog.
    await p.settle(['slow']);
    expect(fan.broadcast(ids, 'frame-6')).toEqual({ targeted: 3, started: 3, dropped: 0, thinned: 0 });
    const slowFrames = p.calls.filter((c) => c.id === 'slow').map((c) => Buffer.from(c.data).toString());
    expect(slowFrames).toEqual(['frame-1', 'frame-6']);

    await p.settle();
    await fan.drain();
    expect(fan.totals()).toMatchObject({ sent: 14, dropped: 4, gone: 0, failed: 0, inFlight: 0 });
  });

  it('never has more than `concurrency` posts in flight; frames waiting for a slot count as in flight', async () => {
    const p = controllablePost();
    const fan = fanOut({ post: p.post, concurrency: 4 });
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);

    expect(fan.broadcast(ids, 'f1')).toEqual({ targeted: 20, started: 20, dropped: 0, thinned: 0 });
    expect(p.active).toBe(4);
    expect(fan.totals().inFlight).toBe(20);

    // Settle two posts: two queued frames start, the count stays at the bound.
    await p.settle(['c0', 'c1']);
    expect(p.active).toBe(4);
    expect(pendingIds(p)).toEqual(['c2', 'c3', 'c4', 'c5']);

    // Connections posting (c2…c5) or still waiting for a slot (c6…c19) drop the next frame;
    // only c0 and c1, idle again, accept it (and wait behind the queue).
    expect(fan.broadcast(ids, 'f2')).toEqual({ targeted: 20, started: 2, dropped: 18, thinned: 0 });

    // Settle in an irregular order until everything is done.
    while (p.pending.length > 0) {
      const batch = p.pending.filter((_, i) => i % 2 === 0).map((x) => x.id);
      await p.settle(batch);
      expect(p.active).toBeLessThanOrEqual(4);
    }
    await fan.drain();
    expect(p.maxActive).toBe(4);
    expect(fan.totals()).toMatchObject({ sent: 22, dropped: 18, inFlight: 0 });
  });

  it('keeps slow connections to their share of the pool, so fast ones are not held back', async () => {
    let t = 0;
    const p = controllablePost();
    const fan = fanOut({ post: p.post, concurrency: 4, slowSlots: 1, now: () => t });
    const ids = ['s1', 's2', 'f1', 'f2', 'f3'];

    // Round 1: nothing known yet; fast posts take 5 ms, slow ones 500 ms.
    fan.broadcast(ids, 'r1');
    t = 5;
    await p.settle(['f1', 'f2']); // f3 was waiting for a slot: it starts now
    t = 10;
    await p.settle(['f3']);
    t = 500;
    await p.settle(['s1', 's2']);
    await p.settle();
    expect(fan.totals().slowConnections).toBe(2);

    // Round 2: one slot for the slow lane, the other three for fast connections.
    fan.broadcast(ids, 'r2');
    expect(pendingIds(p)).toEqual(['f1', 'f2', 'f3', 's1']);
    t = 505;
    await p.settle(['f1', 'f2', 'f3']);
    // A fast slot is free, but s2 waits for the slow slot.
    expect(pendingIds(p)).toEqual(['s1']);

    // Round 3: s2 is still waiting (dropped), s1 is still posting (dropped), fast ones go at once.
    expect(fan.broadcast(ids, 'r3')).toEqual({ targeted: 5, started: 3, dropped: 2, thinned: 0 });
    expect(pendingIds(p)).toEqual(['f1', 'f2', 'f3', 's1']);

    // s1 answers quickly this time: it is fast again, and s2 takes the slow slot.
    t = 510;
    await p.settle(['s1']);
    expect(fan.totals().slowConnections).toBe(1);
    expect(pendingIds(p)).toEqual(['f1', 'f2', 'f3', 's2']);
    await p.settle();
    await fan.drain();
  });

  it('singles nobody out when every post is slow (the API itself slowed down)', async () => {
    let t = 0;
    const p = controllablePost();
    const fan = fanOut({ post: p.post, concurrency: 4, slowSlots: 1, now: () => t });
    const ids = ['a', 'b', 'c'];
    for (let round = 0; round < 3; round += 1) {
      fan.broadcast(ids, `r${round}`);
      t += 500;
      await p.settle();
    }
    expect(fan.totals().slowConnections).toBe(0);
    fan.broadcast(ids, 'again');
    expect(p.active).toBe(3);
    await p.settle();
  });
});

describe('FanOut: gone and failed connections', () => {
  it("'gone' removes the connection and calls onGone once; drain waits for onGone", async () => {
    const p = controllablePost();
    const goneCalls: string[] = [];
    let releaseDelete: () => void = () => undefined;
    const fan = fanOut({
      post: p.post,
      onGone: (id) => {
        goneCalls.push(id);
        return new Promise<void>((resolve) => {
          releaseDelete = resolve;
        });
      },
    });

    fan.broadcast(['x', 'y'], 'f1');
    await p.settle(['x'], 'gone');
    await p.settle(['y']);
    expect(goneCalls).toEqual(['x']);

    let drained = false;
    void fan.drain().then(() => {
      drained = true;
    });
    await flush();
    expect(drained).toBe(false); // the connection's delete is still running
    releaseDelete();
    await flush();
    expect(drained).toBe(true);

    for (let i = 2; i <= 3; i += 1) {
      expect(fan.broadcast(['x', 'y'], `f${i}`)).toEqual({ targeted: 1, started: 1, dropped: 0, thinned: 0 });
      await p.settle();
    }
    expect(p.calls.filter((c) => c.id === 'x')).toHaveLength(1);
    expect(goneCalls).toEqual(['x']);
    expect(fan.totals()).toMatchObject({ sent: 3, gone: 1 });
    expect(fan.perConnection('x')).toMatchObject({ sent: 0, gone: true });
  });

  it('a post that throws or rejects counts as failed, does not stop the others, and frees the connection', async () => {
    const errors: Array<[unknown, string]> = [];
    const sent: string[] = [];
    let failing = true;
    const fan = fanOut({
      post: async (id) => {
        if (failing && id === 'bad-async') throw new Error('500 from the API');
        sent.push(id);
        return 'ok';
      },
      onError: (error, id) => errors.push([error, id]),
    });
    const syncThrowing = fanOut({
      post: (id) => {
        if (id === 'bad-sync') throw new Error('sync');
        return Promise.resolve('ok');
      },
    });

    fan.broadcast(['a', 'bad-async', 'b'], 'f1');
    await fan.drain();
    expect(sent.sort()).toEqual(['a', 'b']);
    expect(fan.totals()).toMatchObject({ sent: 2, failed: 1, inFlight: 0 });
    expect(errors).toEqual([[new Error('500 from the API'), 'bad-async']]);

    failing = false;
    expect(fan.broadcast(['a', 'bad-async', 'b'], 'f2')).toMatchObject({ started: 3, dropped: 0 });
    await fan.drain();
    expect(fan.perConnection('bad-async')).toEqual({
      sent: 1,
      dropped: 0,
      thinned: 0,
      throttled: 0,
      failed: 1,
      gone: false,
    });

    syncThrowing.broadcast(['ok-1', 'bad-sync', 'ok-2'], 'f');
    await syncThrowing.drain();
    expect(syncThrowing.totals()).toMatchObject({ sent: 2, failed: 1 });
  });

  it('a failing onGone is reported, not thrown', async () => {
    const errors: string[] = [];
    const fan = fanOut({
      post: async () => 'gone',
      onGone: async () => {
        throw new Error('delete failed');
      },
      onError: (_error, id) => errors.push(id),
    });
    fan.broadcast(['z'], 'f');
    await fan.drain();
    expect(errors).toEqual(['z']);
    expect(fan.totals().gone).toBe(1);
  });
});

describe('FanOut: one serialization per tick', () => {
  it('serializes the frame once and posts the same bytes to every connection', async () => {
    const p = controllablePost();
    const fan = fanOut({ post: p.post, concurrency: 8 });
    const ids = Array.from({ length: 100 }, (_, i) => `c${i}`);
    const stringify = vi.spyOn(JSON, 'stringify');

    const frame = campaignStateFrame({
      campaignId: 'camp-1',
      seq: 7,
      ts: 0,
      payload: { leaderboard: [{ user: 'alice', score: 120 }], live_participant_count: 100 },
    });
    fan.broadcast(ids, frame);
    while (p.pending.length > 0) await p.settle();
    await fan.drain();

    expect(stringify).toHaveBeenCalledTimes(1);
    expect(p.calls).toHaveLength(100);
    const first = p.calls[0]!.data;
    expect(p.calls.every((c) => c.data === first)).toBe(true);
    expect(Buffer.from(first).toString('utf8')).toBe(frame);
  });

  it('passes Uint8Array frames through unchanged', async () => {
    const seen: Array<Uint8Array | string> = [];
    const fan = fanOut({
      post: async (_id, data) => {
        seen.push(data);
        return 'ok';
      },
    });
    const bytes = new TextEncoder().encode('{"type":"campaign.state"}');
    fan.broadcast(['a', 'b'], bytes);
    await fan.drain();
    expect(seen).toEqual([bytes, bytes]);
    expect(seen[0]).toBe(bytes);
  });

  it('drain resolves at once when idle, and perConnection is zero for unknown ids', async () => {
    const fan = fanOut({ post: async () => 'ok' });
    await fan.drain();
    expect(fan.perConnection('nobody')).toEqual({
      sent: 0,
      dropped: 0,
      thinned: 0,
      throttled: 0,
      failed: 0,
      gone: false,
    });
    expect(fan.broadcast([], 'f')).toEqual({ targeted: 0, started: 0, dropped: 0, thinned: 0 });
  });
});
