/**
 * The live client helper (lib/client/live.ts) against a fake WebSocket and a fake fetch, on
 * fake timers: frames in order, deltas applied, gaps found and repaired with the snapshot,
 * reconnects with `last_seq` after a jittered exponential backoff, duplicates and bad frames
 * ignored, both transports and a switch between them. Last, a property: over random score
 * streams with drops, what the client holds at every `seq` it delivers is the server's board.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { leaderboardDelta } from '../../../lib/broadcast/delta.ts';
import { applyDelta, readFrame } from '../../../lib/client/frames.ts';
import {
  connectLive,
  type FetchLike,
  type Gap,
  type LeaderboardRow,
  type LiveOptions,
  type LiveStatus,
  type StateFrame,
  type Via,
} from '../../../lib/client/live.ts';
import { authProtocol } from '../../../lib/client/sockets.ts';

const CAMPAIGN = '01JCAMPAIGN';
const TS = '2026-12-07T06:00:00.000Z';
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const LIVE_TOKEN = `${b64url({ alg: 'none' })}.${b64url({ sub: 'ada', aud: 'tempora-live' })}.sig`;
const WS_URL = 'wss://ws.example/live';
const EVENTS = {
  realtime_url: 'wss://rt.example/event/realtime',
  http_host: 'api.example',
  channel: `/campaigns/${CAMPAIGN}`,
};

class FakeSocket {
  static all: FakeSocket[] = [];
  readonly sent: unknown[] = [];
  closedByClient = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closedByClient = true;
  }
  get query(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
  open() {
    this.onopen?.({});
  }
  message(value: unknown) {
    this.onmessage?.({ data: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  drop() {
    this.onclose?.({ code: 1006 });
  }
  /** The events handshake up to `subscribe_success`. */
  subscribe(connectionTimeoutMs = 300_000) {
    this.open();
    this.message({ type: 'connection_ack', connectionTimeoutMs });
    this.message({ type: 'subscribe_success', id: 'live' });
  }
  data(...frames: unknown[]) {
    this.message({ type: 'data', id: 'live', event: frames.map((f) => JSON.stringify(f)) });
  }
}

const last = () => FakeSocket.all.at(-1)!;

const state = (seq: number, board: LeaderboardRow[], extra: Partial<StateFrame> = {}): StateFrame => ({
  type: 'campaign.state',
  campaign_id: CAMPAIGN,
  seq,
  ts: TS,
  payload: { leaderboard: board, live_participant_count: 1 },
  ...extra,
});

const delta = (seq: number, base: number, prev: LeaderboardRow[], next: LeaderboardRow[]) => ({
  type: 'campaign.delta',
  campaign_id: CAMPAIGN,
  seq,
  base_seq: base,
  ts: TS,
  payload: { ...leaderboardDelta(prev, next), live_participant_count: 1, frequency: 5 },
});

const board = (...pairs: Array<[string, number]>): LeaderboardRow[] =>
  pairs.map(([user, score]) => ({ user, score }));

interface Harness {
  calls: string[];
  states: Array<{ seq: number; board: LeaderboardRow[]; via: Via }>;
  gaps: Gap[];
  statuses: LiveStatus[];
  errors: string[];
  /** What `GET …/state` answers next. */
  snapshot: { status: number; body?: unknown };
  /** What `GET …/live` answers next. */
  join: { status: number; body?: unknown };
}

/** A client on `transport`; `joinSeq`: the latest frame's seq that /live answers (none: no frame yet). */
function start(
  opts: Partial<LiveOptions> = {},
  transport: 'websocket' | 'events' = 'websocket',
  joinSeq?: number,
) {
  const h: Harness = {
    calls: [],
    states: [],
    gaps: [],
    statuses: [],
    errors: [],
    snapshot: { status: 404, body: { error: { code: 'not_found', message: 'no frame yet' } } },
    join: {
      status: 200,
      body: {
        transport,
        token: LIVE_TOKEN,
        expires_at: TS,
        websocket: { url: WS_URL },
        ...(transport === 'events' ? { events: EVENTS } : {}),
        ...(joinSeq === undefined ? {} : { seq: joinSeq }),
      },
    },
  };
  const fetch: FetchLike = async (url, init) => {
    expect(init.headers.authorization).toBe('Bearer api-token');
    h.calls.push(url);
    const a = url.endsWith('/live') ? h.join : h.snapshot;
    return { status: a.status, json: async () => a.body };
  };
  const live = connectLive({
    campaignId: CAMPAIGN,
    token: 'api-token',
    apiUrl: 'https://api.example',
    WebSocket: FakeSocket,
    fetch,
    random: () => 0,
    onState: (b, f, via) => h.states.push({ seq: f.seq, board: b, via }),
    onGap: (g) => h.gaps.push(g),
    onStatus: (s) => h.statuses.push(s),
    onError: (e) => h.errors.push(e.message),
    ...opts,
  });
  return { live, h };
}

/** Let pending promises (fake fetch answers) and due timers run. */
const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('websocket transport', () => {
  it('joins with the live token and its user, delivers each seq once and in order, ignores what is not a frame', async () => {
    const { live, h } = await (async () => {
      const r = start({}, 'websocket', 4);
      await settle();
      return r;
    })();
    expect(h.calls).toEqual([`https://api.example/api/campaigns/${CAMPAIGN}/live`]);
    const ws = last();
    expect(ws.url.startsWith(`${WS_URL}?`)).toBe(true);
    expect(Object.fromEntries(ws.query)).toEqual({
      campaign_id: CAMPAIGN,
      user_id: 'ada',
      token: LIVE_TOKEN,
    });
    ws.open();
    await settle();
    expect(live.status).toBe('live');
    // A first websocket connection waits for a tick, and /live says there is a frame: the snapshot
    // is asked for at once (here a 404: the frame expired meanwhile).
    expect(h.calls.at(-1)).toBe(`https://api.example/api/campaigns/${CAMPAIGN}/state`);

    ws.message(state(5, board(['a', 3])));
    ws.message(state(5, board(['a', 3]))); // duplicate
    ws.message(state(4, board(['a', 1]))); // backwards
    ws.message(state(6, board(['a', 4])));
    ws.message({ type: 'pong', id: 'x' }); // an answer, not a frame: not counted
    ws.message('not json');
    ws.message({ ...state(7, board()), seq: -1 }); // malformed
    ws.message({ ...state(7, board()), payload: { leaderboard: [{ user: 1, score: 'x' }] } });
    ws.message({ ...state(8, board()), campaign_id: 'other' });
    ws.message({ type: 'campaign.delta', campaign_id: CAMPAIGN, seq: 9, base_seq: 9, ts: TS, payload: {} });
    expect(h.states.map((s) => [s.seq, s.via])).toEqual([
      [5, 'frame'],
      [6, 'frame'],
    ]);
    expect(live.seq).toBe(6);
    expect(live.leaderboard).toEqual(board(['a', 4]));
    expect(live.stats.ignored).toBe(6); // 2 stale, 3 malformed, 1 of another campaign
    expect(h.gaps).toEqual([]);
    expect(h.errors).toEqual([]);
    live.close();
    expect(ws.closedByClient).toBe(true);
    expect(h.statuses).toEqual(['live', 'closed']);
  });

  it('a seq jump without `missed` is no gap (on-change, new shard plan); `missed` and `resumed.missed` are', async () => {
    const { h } = start();
    await settle();
    const ws = last();
    ws.open();
    ws.message(state(10, board()));
    ws.message(state(14, board())); // the server counted nothing lost
    ws.message(state(18, board(), { missed: 2 }));
    ws.message(state(25, board(), { resumed: { from: 18, missed: 6 } }));
    ws.message(state(26, board(), { missed: 0 }));
    expect(h.gaps).toEqual([
      { missed: 2, from: 14, to: 18 },
      { missed: 6, from: 18, to: 25 },
    ]);
    expect(h.states.map((s) => s.seq)).toEqual([10, 14, 18, 25, 26]);
  });

  it('opts in to deltas with frames=delta and rebuilds the leaderboard from them', async () => {
    const { h } = start({ frames: 'delta' });
    await settle();
    const ws = last();
    expect(ws.query.get('frames')).toBe('delta');
    ws.open();
    await settle();
    const b1 = board(['a', 10], ['b', 5], ['c', 1]);
    const b2 = board(['b', 12], ['a', 10], ['c', 1]); // b moves up
    const b3 = board(['b', 12], ['d', 11], ['a', 10]); // d enters, c leaves
    ws.message(state(1, b1));
    ws.message(delta(2, 1, b1, b2));
    ws.message(delta(3, 2, b2, b3));
    expect(h.states.map((s) => [s.seq, s.via, s.board])).toEqual([
      [1, 'frame', b1],
      [2, 'delta', b2],
      [3, 'delta', b3],
    ]);
    expect(h.gaps).toEqual([]);
  });

  it('a delta that does not apply on the held seq is a gap: the snapshot is fetched and deltas go on from it', async () => {
    const { live, h } = start({ frames: 'delta' });
    await settle();
    const ws = last();
    ws.open();
    await settle();
    const b1 = board(['a', 1]);
    const b2 = board(['a', 2]);
    const b3 = board(['a', 3], ['b', 1]);
    const b4 = board(['b', 9], ['a', 3]);
    ws.message(state(1, b1));
    const before = h.calls.length;
    h.snapshot = { status: 200, body: state(3, b3) };
    ws.message(delta(3, 2, b2, b3)); // frame 2 never came
    ws.message(delta(3, 2, b2, b3)); // reported once
    expect(h.gaps).toEqual([{ missed: 1, from: 1, to: 3 }]);
    await settle(1000); // at most one snapshot a second
    expect(h.calls.slice(before)).toEqual([`https://api.example/api/campaigns/${CAMPAIGN}/state`]);
    expect(h.states.at(-1)).toEqual({ seq: 3, board: b3, via: 'snapshot' });
    ws.message(delta(4, 3, b3, b4));
    expect(h.states.at(-1)).toEqual({ seq: 4, board: b4, via: 'delta' });
    expect(h.gaps).toHaveLength(1);
    expect(live.stats).toMatchObject({ gaps: 1, snapshots: 1 }); // the join's 404 is no snapshot
  });

  it('a snapshot older than the stream is dropped and asked again; a full frame in the stream also repairs the gap', async () => {
    const { h } = start({ frames: 'delta' });
    await settle();
    const ws = last();
    ws.open();
    await settle();
    ws.message(state(1, board(['a', 1])));
    h.snapshot = { status: 200, body: state(1, board(['a', 1])) }; // the state endpoint lags
    ws.message(delta(3, 2, board(['a', 2]), board(['a', 3])));
    await settle(1000);
    const asked = h.calls.filter((c) => c.endsWith('/state')).length;
    await settle(1000); // still behind: asked again, a second later
    expect(h.calls.filter((c) => c.endsWith('/state')).length).toBe(asked + 1);
    ws.message(state(4, board(['a', 4]), { missed: 2 })); // the server's full frame after the gap
    expect(h.states.at(-1)).toMatchObject({ seq: 4, via: 'frame' });
    expect(h.gaps).toHaveLength(1); // the open gap is not reported again
    await settle(5000);
    expect(h.calls.filter((c) => c.endsWith('/state')).length).toBe(asked + 1); // repaired: no more fetches
  });

  it('reconnects after a loss with last_seq, asking /live again, after a jittered exponential backoff up to its cap', async () => {
    const rnd = vi.fn(() => 0);
    const { live, h } = start({ random: rnd, backoff: { initialMs: 1000, maxMs: 4000 } });
    await settle();
    let ws = last();
    ws.open();
    ws.message(state(41, board(['a', 1])));
    ws.drop();
    expect(live.status).toBe('reconnecting');
    const sockets = () => FakeSocket.all.length;
    // Attempt delays with random 0: half of 1000, 2000, 4000, 4000 (capped).
    for (const delay of [500, 1000, 2000, 2000]) {
      const n = sockets();
      await settle(delay - 1);
      expect(sockets()).toBe(n);
      await settle(1);
      expect(sockets()).toBe(n + 1);
      ws = last();
      expect(ws.query.get('last_seq')).toBe('41');
      ws.drop(); // refused
    }
    expect(h.calls.filter((c) => c.endsWith('/live'))).toHaveLength(5); // the join and each attempt
    await settle(2000);
    // The jitter: half the span, plus a random part of the other half (here 0.5 · 2000).
    rnd.mockReturnValue(0.5);
    last().drop();
    let n = sockets();
    await settle(2999);
    expect(sockets()).toBe(n);
    await settle(1);
    ws = last();
    ws.open(); // an open connection resets the backoff
    expect(live.status).toBe('live');
    ws.message(state(45, board(['a', 2]), { resumed: { from: 41, missed: 3 } }));
    expect(h.gaps).toEqual([{ missed: 3, from: 41, to: 45 }]);
    ws.drop();
    n = sockets();
    await settle(1000);
    expect(sockets()).toBe(n + 1);
    expect(last().query.get('last_seq')).toBe('45');
    expect(h.statuses).toEqual(['live', 'reconnecting', 'live', 'reconnecting']);
    expect(live.stats.reconnects).toBe(7);
  });

  it('a refused join (404, 403) ends the client; a failing one (500, network) is retried', async () => {
    const a = start();
    a.h.join = { status: 500, body: { error: { code: 'internal', message: 'boom' } } };
    await settle();
    // The first answer was 200 (set before start): make the next ones fail.
    last().drop();
    await settle(10_000);
    expect(a.h.errors.some((e) => e.includes('500: boom'))).toBe(true);
    expect(a.live.status).toBe('connecting'); // never live yet
    a.h.join = { status: 404, body: { error: { code: 'not_found', message: 'no campaign' } } };
    await settle(60_000);
    expect(a.live.status).toBe('closed');
    const asked = a.h.calls.length;
    await settle(120_000);
    expect(a.h.calls.length).toBe(asked);
    expect(a.h.errors.at(-1)).toContain('404: no campaign');
  });

  it('asks no snapshot while /live says the campaign has no frame yet (a 404 that browsers log)', async () => {
    const { h } = start({}, 'events');
    await settle();
    last().subscribe();
    await settle(5000);
    expect(h.calls.filter((c) => c.endsWith('/state'))).toEqual([]);
  });

  it('pings on the websocket every pingMs', async () => {
    start({ pingMs: 60_000 });
    await settle();
    const ws = last();
    ws.open();
    await settle(120_000);
    expect(ws.sent).toEqual([{ action: 'ping' }, { action: 'ping' }]);
  });
});

describe('events transport', () => {
  it('connects with aws-appsync-event-ws and the header subprotocol, subscribes, reads both data forms, fetches the snapshot', async () => {
    const { live, h } = start({}, 'events', 7);
    await settle();
    const ws = last();
    expect(ws.url).toBe(EVENTS.realtime_url);
    const protocols = ws.protocols as string[];
    expect(protocols[0]).toBe('aws-appsync-event-ws');
    expect(JSON.parse(Buffer.from(protocols[1]!.slice('header-'.length), 'base64url').toString())).toEqual({
      host: EVENTS.http_host,
      Authorization: LIVE_TOKEN,
    });
    expect(protocols[1]).toBe(authProtocol({ host: EVENTS.http_host, Authorization: LIVE_TOKEN }));
    ws.open();
    expect(ws.sent).toEqual([{ type: 'connection_init' }]);
    expect(live.status).toBe('connecting');
    ws.message({ type: 'connection_ack', connectionTimeoutMs: 300_000 });
    expect(ws.sent[1]).toEqual({
      type: 'subscribe',
      id: 'live',
      channel: EVENTS.channel,
      authorization: { host: EVENTS.http_host, Authorization: LIVE_TOKEN },
    });
    h.snapshot = { status: 200, body: state(7, board(['a', 1])) };
    ws.message({ type: 'subscribe_success', id: 'live' });
    await settle();
    expect(live.status).toBe('live');
    expect(live.transport).toBe('events');
    expect(h.states).toEqual([{ seq: 7, board: board(['a', 1]), via: 'snapshot' }]);
    ws.data(state(7, board(['a', 1])), state(8, board(['a', 2]))); // the emulator's list
    ws.message({ type: 'data', id: 'live', event: JSON.stringify(state(11, board(['a', 3]))) }); // AWS: one string
    ws.message({ type: 'ka' });
    // Nobody counts per connection here: a seq jump is the gap.
    expect(h.gaps).toEqual([{ missed: 2, from: 8, to: 11 }]);
    expect(h.states.map((s) => s.seq)).toEqual([7, 8, 11]);
  });

  it('subscribes to the …/delta channel for deltas', async () => {
    const { h } = start({ frames: 'delta' }, 'events');
    await settle();
    const ws = last();
    ws.subscribe();
    expect(ws.sent[1]).toMatchObject({ type: 'subscribe', channel: `${EVENTS.channel}/delta` });
    await settle();
    const b1 = board(['a', 1]);
    const b2 = board(['b', 2], ['a', 1]);
    ws.data(state(3, b1), delta(4, 3, b1, b2));
    expect(h.states.map((s) => [s.seq, s.via, s.board])).toEqual([
      [3, 'frame', b1],
      [4, 'delta', b2],
    ]);
  });

  it('a connection silent past its keep-alive timeout, or a refused subscription, reconnects (and fetches the snapshot again)', async () => {
    const { live, h } = start({}, 'events', 1);
    await settle();
    last().subscribe(10_000);
    await settle(9_000);
    last().message({ type: 'ka' });
    await settle(9_000);
    expect(FakeSocket.all).toHaveLength(1);
    await settle(1_001);
    expect(FakeSocket.all[0]!.closedByClient).toBe(true);
    expect(live.status).toBe('reconnecting');
    await settle(250);
    expect(FakeSocket.all).toHaveLength(2);
    const ws = last();
    ws.open();
    ws.message({ type: 'connection_ack' });
    ws.message({ type: 'subscribe_error', id: 'live', errors: [{ errorType: 'UnauthorizedException' }] });
    expect(live.status).toBe('reconnecting');
    await settle(500);
    last().subscribe();
    await settle();
    expect(live.status).toBe('live');
    expect(h.calls.filter((c) => c.endsWith('/state')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('transport switch', () => {
  it('follows campaign.transport to events, keeps the websocket until subscribed, never repeats a seq', async () => {
    const { live, h } = start();
    await settle();
    const ws = last();
    ws.open();
    ws.message(state(1, board(['a', 1])));
    ws.message({
      type: 'campaign.transport',
      campaign_id: CAMPAIGN,
      seq: 3,
      ts: TS,
      transport: 'events',
      websocket: { url: WS_URL },
      events: EVENTS,
    });
    const ev = last();
    expect(ev).not.toBe(ws);
    expect(ev.url).toBe(EVENTS.realtime_url);
    ws.message(state(2, board(['a', 2])));
    expect(ws.closedByClient).toBe(false);
    ev.subscribe();
    expect(ws.closedByClient).toBe(true);
    expect(live.transport).toBe('events');
    ws.message(state(9, board())); // after close: not read
    ev.data(state(2, board(['a', 2])), state(3, board(['a', 3]))); // the overlap repeats 2
    await settle();
    expect(h.states.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(h.gaps).toEqual([]);
  });
});

describe('frames and deltas (pure)', () => {
  it('readFrame keeps documented frames and refuses the rest', () => {
    expect(readFrame(state(1, board(['a', 1])), CAMPAIGN)?.type).toBe('campaign.state');
    expect(readFrame({ type: 'broadcast.stopped', campaign_id: CAMPAIGN, ts: TS }, CAMPAIGN)?.type).toBe(
      'broadcast.stopped',
    );
    expect(readFrame(delta(2, 1, [], board(['a', 1])), CAMPAIGN)?.type).toBe('campaign.delta');
    expect(readFrame({ ...delta(2, 2, [], []) }, CAMPAIGN)).toBeUndefined(); // base not before seq
    expect(readFrame({ ...state(1, []), resumed: { from: 'x' } }, CAMPAIGN)).toBeUndefined();
    expect(readFrame({ ...state(1, []), missed: 1.5 }, CAMPAIGN)).toBeUndefined();
    expect(readFrame(null, CAMPAIGN)).toBeUndefined();
    expect(readFrame([state(1, [])], CAMPAIGN)).toBeUndefined();
  });

  const scores = fc.array(
    fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), fc.integer({ min: -5, max: 20 })), {
      maxLength: 4,
    }),
    { minLength: 1, maxLength: 40 },
  );
  const topN = (m: Map<string, number>, n: number): LeaderboardRow[] =>
    [...m]
      .map(([user, score]) => ({ user, score }))
      .sort((x, y) => y.score - x.score || (x.user < y.user ? -1 : 1))
      .slice(0, n);

  it('applyDelta rebuilds the next board from any delta of the server', () => {
    fc.assert(
      fc.property(scores, fc.integer({ min: 1, max: 5 }), (ticks, n) => {
        const m = new Map<string, number>();
        let prev: LeaderboardRow[] = [];
        for (const changes of ticks) {
          for (const [u, d] of changes) m.set(u, (m.get(u) ?? 0) + d);
          const next = topN(m, n);
          const d = leaderboardDelta(prev, next);
          expect(applyDelta(prev, { ...d, live_participant_count: 0 })).toEqual(next);
          prev = next;
        }
      }),
    );
  });

  it('over random score streams with drops, every delivered seq holds the server board of that seq', async () => {
    await fc.assert(
      fc.asyncProperty(
        scores,
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 2, max: 6 }),
        async (ticks, dropped, fullEvery) => {
          FakeSocket.all = [];
          const boards = new Map<number, LeaderboardRow[]>();
          const { live, h } = start({ frames: 'delta' });
          await settle();
          const ws = last();
          ws.open();
          await settle();
          const m = new Map<string, number>();
          let prev: LeaderboardRow[] = [];
          ticks.forEach((changes, i) => {
            const seq = i + 1;
            for (const [u, d] of changes) m.set(u, (m.get(u) ?? 0) + d);
            const next = topN(m, 3);
            boards.set(seq, next);
            h.snapshot = { status: 200, body: state(seq, next) };
            if (!dropped[i]) {
              ws.message(
                seq === 1 || seq % fullEvery === 0 ? state(seq, next) : delta(seq, seq - 1, prev, next),
              );
            }
            prev = next;
          });
          await settle(2000);
          const seqs = h.states.map((s) => s.seq);
          expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
          for (const s of h.states) expect(s.board).toEqual(boards.get(s.seq));
          live.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
