/**
 * The tick burst (lib/broadcast/burst.ts) on a fake clock, with in-memory stand-ins for
 * DynamoDB, the management API and Step Functions.
 */
import { describe, expect, it } from 'vitest';
import { runBurst, successorOf } from '../../../lib/broadcast/burst.ts';
import type { BurstOptions, BurstPorts } from '../../../lib/broadcast/burst-ports.ts';
import type { PostResult } from '../../../lib/broadcast/fanout.ts';
import { joinInfo } from '../../../lib/broadcast/join.ts';
import type { TickInput, TickOutput } from '../../../lib/broadcast/machine.ts';
import { type CampaignSnapshot, executionName } from '../../../lib/broadcast/phase.ts';
import { runShardBurst } from '../../../lib/broadcast/shard-burst.ts';
import { FakeClock } from '../../kit/fake-clock.ts';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ID = '01JCAMPAIGN0000000000000000';
const EXEC = executionName(ID, 1, 0);

interface Sent {
  at: number;
  connectionId: string;
  frame: {
    type: string;
    seq?: number;
    missed?: number;
    base_seq?: number;
    resumed?: unknown;
    payload?: { frequency?: number; live_participant_count?: number };
  };
}

/** A world the burst runs in: campaign, ticker item, connections; every post recorded. */
function world(opts: { hz?: number; start?: number; end?: number; connections?: string[] } = {}) {
  const clock = new FakeClock(0);
  const wallNow = () => T0 + clock.now();
  const campaign: CampaignSnapshot = {
    id: ID,
    state: 'active',
    metadata: {
      features: ['broadcast'],
      scheduling: {
        frequency: opts.hz ?? 5,
        start_time: new Date(opts.start ?? T0 - 60_000).toISOString(),
        ...(opts.end === undefined ? {} : { end_time: new Date(opts.end).toISOString() }),
      },
      service_specific: { campaign: { broadcast_enabled: true } },
    },
  };
  const state = {
    campaign: campaign as CampaignSnapshot | undefined,
    ticker: { status: 'running' as 'running' | 'stopped', execution: EXEC, epoch: 1 },
    connections: new Set(opts.connections ?? ['a', 'b']),
    gone: new Set<string>(),
    sent: [] as Sent[],
    started: 0,
    stops: [] as string[],
    handoffs: [] as Array<{ successor: string; nextSeq: number }>,
    savedSeq: 0,
    postLatency: 5,
  };
  const setFrequency = (hz: number) => {
    const m = structuredClone(state.campaign!.metadata);
    m.scheduling = { ...m.scheduling, frequency: hz };
    state.campaign = { ...state.campaign!, metadata: m };
  };
  const deps: BurstPorts = {
    clock,
    wallNow,
    log: () => undefined,
    join: (id, transport) => joinInfo(id, transport, { webSocketUrl: 'ws://test/live', events: undefined }),
    loadCampaign: async () => state.campaign,
    loadTicker: async () => ({ ...state.ticker }),
    listConnections: async () => ({ live: [...state.connections], expired: [] }),
    top: async () => [{ user: 'u1', score: 3 }],
    removeConnection: async (_c, id) => {
      state.connections.delete(id);
    },
    post: async (connectionId, data): Promise<PostResult> => {
      if (state.gone.has(connectionId)) return 'gone';
      await clock.sleepUntil(clock.now() + state.postLatency);
      state.sent.push({
        at: clock.now(),
        connectionId,
        frame: JSON.parse(String(Buffer.from(data as Uint8Array))),
      });
      return 'ok';
    },
    markStarted: async () => {
      state.started += 1;
    },
    stopSelf: async (_i, reason) => {
      state.stops.push(reason);
      state.ticker.status = 'stopped';
    },
    saveSeq: async (_i, lastSeq) => {
      state.savedSeq = lastSeq;
    },
    handoff: async (_i, successor, nextSeq) => {
      state.handoffs.push({ successor, nextSeq });
      state.ticker.execution = successor;
    },
  };
  return { clock, state, deps, setFrequency, wallNow };
}

const input = (over: Partial<TickInput> = {}): TickInput => ({
  kind: 'broadcast.tick',
  campaign_id: ID,
  execution: EXEC,
  epoch: 1,
  generation: 0,
  seq: 1,
  iterations: 0,
  announced: false,
  ...over,
});

/** Run a burst to completion, advancing the fake clock in 10 ms steps. */
async function run(
  w: ReturnType<typeof world>,
  i: TickInput,
  opts: BurstOptions,
  during?: (ms: number) => void,
): Promise<TickOutput> {
  let done: TickOutput | undefined;
  const p = runBurst(i, w.deps, opts).then((o) => {
    done = o;
    return o;
  });
  for (let ms = 0; done === undefined && ms < opts.budgetMs + 60_000; ms += 10) {
    during?.(ms);
    await w.clock.advance(10);
  }
  return p;
}

const statesTo = (w: ReturnType<typeof world>, id: string) =>
  w.state.sent.filter((s) => s.connectionId === id && s.frame.type === 'campaign.state');

describe('runBurst', () => {
  it('writes its sign of life about every second, with the last seq sent, also while waiting for start_time', async () => {
    const w = world({ start: T0 + 3_000 });
    const beats: Array<{ at: number; seq: number }> = [];
    w.deps.alive = async (_i, lastSeq, at) => {
      beats.push({ at: at - T0, seq: lastSeq });
    };
    await run(w, input(), { budgetMs: 8_000 });
    // ~1 s apart (the refresh runs every 500 ms), through the wait and the live part.
    expect(beats.length).toBeGreaterThanOrEqual(7);
    expect(beats.length).toBeLessThanOrEqual(9);
    for (let k = 1; k < beats.length; k += 1) {
      const gap = (beats[k]?.at ?? 0) - (beats[k - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(1_600);
    }
    expect(beats.filter((b) => b.at < 3_000).every((b) => b.seq === 0)).toBe(true);
    // Live at 5 Hz from 3 s: the seq written trails the frames sent by at most a refresh.
    const last = beats[beats.length - 1];
    expect(last?.seq).toBeGreaterThanOrEqual(Math.floor((((last?.at ?? 0) - 3_000) / 1000) * 5) - 3);
    expect(beats.map((b) => b.seq)).toEqual([...beats.map((b) => b.seq)].sort((a, b) => a - b));
  });

  it('5 Hz for a 10 s burst: 50 frames per connection, seq 1..50, started notice first, continue', async () => {
    const w = world();
    const out = await run(w, input(), { budgetMs: 10_000 });
    expect(out).toMatchObject({ continue: true, seq: 51, iterations: 1, announced: true });
    for (const id of ['a', 'b']) {
      const frames = statesTo(w, id);
      expect(frames.map((f) => f.frame.seq)).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
      const first = w.state.sent.find((s) => s.connectionId === id);
      expect(first?.frame.type).toBe('broadcast.started');
    }
    expect(w.state.started).toBe(1);
    expect(w.state.savedSeq).toBe(50);
  });

  it('continues seq from its input and does not announce twice', async () => {
    const w = world();
    const out = await run(w, input({ seq: 101, iterations: 4, announced: true }), { budgetMs: 2_000 });
    expect(statesTo(w, 'a').map((f) => f.frame.seq)).toEqual(Array.from({ length: 10 }, (_, k) => k + 101));
    expect(w.state.sent.some((s) => s.frame.type === 'broadcast.started')).toBe(false);
    expect(out).toMatchObject({ continue: true, seq: 111, iterations: 5 });
  });

  it('keeps the pace across bursts: no drift and no extra tick where one burst hands over to the next', async () => {
    const w = world();
    const first = await run(w, input({ announced: true }), { budgetMs: 1_000 });
    expect(first.next_tick_at).toBe(T0 + 1_000);
    // The next burst picks the schedule up where the first left it.
    const second = await run(w, { ...first, continue: undefined } as unknown as TickInput, {
      budgetMs: 1_130,
    });
    const at = statesTo(w, 'a').map((f) => f.at - 5); // minus the post latency
    expect(at).toEqual([0, 200, 400, 600, 800, 1_000, 1_200, 1_400, 1_600, 1_800, 2_000]);
    expect(statesTo(w, 'a').map((f) => f.frame.seq)).toEqual(Array.from({ length: 11 }, (_, k) => k + 1));
    expect(second.next_tick_at).toBe(T0 + 2_200);
  });

  it('a frequency change applies within one refresh (≤ 500 ms)', async () => {
    const w = world({ hz: 2 });
    await run(w, input({ announced: true }), { budgetMs: 6_000 }, (ms) => {
      if (ms === 3_000) w.setFrequency(10);
    });
    const frames = statesTo(w, 'a');
    const first10 = frames.find((f) => f.frame.payload?.frequency === 10);
    expect(first10).toBeDefined();
    expect((first10?.at ?? 0) - 3_000).toBeLessThanOrEqual(600);
    const late = frames.filter((f) => f.at >= 4_000 && f.at < 6_000);
    expect(late.length).toBeGreaterThanOrEqual(19);
    expect(
      frames.every((f, k) => k === 0 || (f.frame.seq ?? 0) === (frames[k - 1]?.frame.seq ?? 0) + 1),
    ).toBe(true);
  });

  it('stops itself exactly at end_time: no frame due at or after it, then broadcast.stopped', async () => {
    const w = world({ end: T0 + 3_000 });
    const out = await run(w, input(), { budgetMs: 10_000 });
    expect(out.continue).toBe(false);
    expect(w.state.stops).toEqual(['ended']);
    const frames = statesTo(w, 'a');
    expect(frames).toHaveLength(15);
    const last = w.state.sent.filter((s) => s.connectionId === 'a').at(-1);
    expect(last?.frame.type).toBe('broadcast.stopped');
  });

  it('waits for a start_time inside the lead, and starts on it', async () => {
    const w = world({ start: T0 + 2_500 });
    await run(w, input(), { budgetMs: 5_000 });
    const frames = statesTo(w, 'a');
    expect(frames[0]?.at).toBeGreaterThanOrEqual(2_500);
    expect(frames[0]?.at).toBeLessThan(2_600);
    expect(frames).toHaveLength(13); // 2.5 s at 5 Hz, from start_time
  });

  it('disabling mid-burst stops within a refresh, and the notice is the last frame', async () => {
    const w = world();
    const out = await run(w, input(), { budgetMs: 10_000 }, (ms) => {
      if (ms === 2_000) {
        const m = structuredClone(w.state.campaign!.metadata);
        m.service_specific = { campaign: { broadcast_enabled: false } };
        w.state.campaign = { ...w.state.campaign!, metadata: m };
      }
    });
    expect(out.continue).toBe(false);
    expect(w.state.stops).toEqual(['disabled']);
    const a = w.state.sent.filter((s) => s.connectionId === 'a');
    expect(a.at(-1)?.frame.type).toBe('broadcast.stopped');
    expect(statesTo(w, 'a').length).toBeLessThanOrEqual(10 + 3);
  });

  it('stopped by the controller (ticker item stopped): broadcast.stopped frame, no second stop write', async () => {
    const w = world();
    const out = await run(w, input({ announced: true }), { budgetMs: 10_000 }, (ms) => {
      if (ms === 1_000) w.state.ticker.status = 'stopped';
    });
    expect(out.continue).toBe(false);
    expect(w.state.stops).toEqual([]);
    expect(w.state.sent.filter((s) => s.connectionId === 'a').at(-1)?.frame.type).toBe('broadcast.stopped');
  });

  it('superseded by another execution: ends silently', async () => {
    const w = world();
    const out = await run(w, input({ announced: true }), { budgetMs: 10_000 }, (ms) => {
      if (ms === 1_000) w.state.ticker.execution = executionName(ID, 2, 0);
    });
    expect(out.continue).toBe(false);
    expect(w.state.sent.some((s) => s.frame.type === 'broadcast.stopped')).toBe(false);
    expect(statesTo(w, 'a').length).toBeLessThanOrEqual(5 + 3);
  });

  it('a gone connection (410) is removed and skipped; the others keep their frames', async () => {
    const w = world({ connections: ['a', 'b', 'ghost'] });
    w.state.gone.add('ghost');
    await run(w, input({ announced: true }), { budgetMs: 3_000 });
    expect(w.state.connections.has('ghost')).toBe(false);
    expect(statesTo(w, 'a')).toHaveLength(15);
    expect(w.state.sent.some((s) => s.connectionId === 'ghost')).toBe(false);
  });

  it('a slow connection drops frames instead of queueing them; others are unaffected', async () => {
    const w = world();
    const post = w.deps.post;
    w.deps.post = async (id, data) => {
      if (id === 'b') await w.clock.sleepUntil(w.clock.now() + 450); // slower than 2 periods
      return post(id, data);
    };
    await run(w, input({ announced: true }), { budgetMs: 4_000 });
    expect(statesTo(w, 'a')).toHaveLength(20);
    const b = statesTo(w, 'b');
    expect(b.length).toBeLessThan(10);
    expect(b.every((f, k) => k === 0 || (f.frame.seq ?? 0) > (b[k - 1]?.frame.seq ?? 0))).toBe(true);
  });

  it('hands off to a fresh execution after maxIterations bursts', async () => {
    const w = world();
    const i = input({ announced: true, iterations: 2, seq: 40 });
    const out = await run(w, i, { budgetMs: 1_000, maxIterations: 3 });
    expect(out.continue).toBe(false);
    expect(w.state.handoffs).toEqual([{ successor: successorOf(i), nextSeq: 45 }]);
    expect(successorOf(i)).toBe(executionName(ID, 1, 1));
  });

  it('a retried burst whose handoff was already written starts the successor and ends', async () => {
    const w = world();
    const i = input({ announced: true, iterations: 2, seq: 40 });
    w.state.ticker.execution = successorOf(i);
    const out = await run(w, i, { budgetMs: 1_000, maxIterations: 3 });
    expect(out.continue).toBe(false);
    expect(w.state.handoffs).toEqual([{ successor: successorOf(i), nextSeq: 40 }]);
    expect(statesTo(w, 'a')).toEqual([]);
  });
});

describe('runBurst: sharded campaigns', () => {
  it('splits the connections over shard executions on one schedule: every client its frames, one seq per tick', async () => {
    const conns = Array.from({ length: 12 }, (_, i) => `conn${i}`);
    const w = world({ hz: 5, connections: conns });
    const shardRuns: Array<Promise<TickOutput>> = [];
    const started: TickInput[] = [];
    const beats = new Map<number, { plan: string; instance: string; at: number }>();
    const beat = async (_c: string, shard: number, instance: string, at: number) => {
      const b = beats.get(shard);
      if (b?.instance !== instance) return false;
      beats.set(shard, { ...b, at });
      return true;
    };
    const assignShard = async (_c: string, shard: number, plan: string, instance: string, at: number) => {
      beats.set(shard, { plan, instance, at });
    };
    const readBeat = async (_c: string, shard: number) => beats.get(shard);
    w.deps.startShard = async (i) => {
      started.push(i);
      shardRuns.push(runShardBurst(i, { ...w.deps, beat, readBeat }));
    };
    w.deps.readBeat = readBeat;
    w.deps.assignShard = assignShard;
    const out = await run(w, input(), { budgetMs: 10_000, connectionsPerShard: 5 });
    await Promise.all(shardRuns);
    expect(started.map((i) => i.shard?.index)).toEqual([1, 2]);
    expect(started.every((i) => i.shard?.count === 3 && i.shard.owner === EXEC)).toBe(true);
    const seqs = conns.map((id) => statesTo(w, id).map((f) => f.frame.seq ?? 0));
    for (const s of seqs) {
      expect(s.length).toBeGreaterThanOrEqual(40); // 10 s at 5 Hz, less the shards' start lead
      expect(new Set(s).size).toBe(s.length); // no duplicated seq
      expect(s).toEqual([...s].sort((a, b) => a - b));
    }
    // The same seq went out at the same instant on every shard.
    const atOf = new Map<number, number>();
    for (const sent of w.state.sent.filter((x) => x.frame.type === 'campaign.state')) {
      const at = atOf.get(sent.frame.seq ?? 0);
      if (at !== undefined) expect(Math.abs(at - sent.at)).toBeLessThanOrEqual(10);
      else atOf.set(sent.frame.seq ?? 0, sent.at);
    }
    expect(out.continue).toBe(true);
  });

  it('restarts a shard whose heartbeat goes stale', async () => {
    const conns = Array.from({ length: 8 }, (_, i) => `conn${i}`);
    const w = world({ hz: 5, connections: conns });
    const names: string[] = [];
    w.deps.startShard = async (_i, name) => {
      names.push(name); // the shard never runs: no heartbeat
    };
    w.deps.readBeat = async () => undefined;
    await run(w, input(), { budgetMs: 10_000, connectionsPerShard: 5, shardStaleMs: 3000 });
    expect(names[0]).toMatch(/-s1-p0x1$/);
    expect(names.filter((n) => /-r\d+$/.test(n)).length).toBeGreaterThanOrEqual(1);
  });
});

describe('runBurst: on-change mode', () => {
  it('sends a frame when the payload changes, otherwise a heartbeat every heartbeatMs', async () => {
    const w = world({ hz: 10, connections: ['a'] });
    w.state.campaign = {
      ...w.state.campaign!,
      metadata: {
        ...w.state.campaign!.metadata,
        service_specific: { campaign: { broadcast_enabled: true, broadcast_mode: 'on_change' } },
      },
    };
    let top = [{ user: 'u1', score: 1 }];
    w.deps.top = async () => top;
    await run(w, input(), { budgetMs: 10_000, heartbeatMs: 2000 }, (ms) => {
      if (ms === 5000) top = [{ user: 'u1', score: 2 }];
    });
    const frames = statesTo(w, 'a');
    const heartbeats = frames.filter((f) => (f.frame.payload as { heartbeat?: boolean }).heartbeat === true);
    const changes = frames.filter((f) => (f.frame.payload as { heartbeat?: boolean }).heartbeat !== true);
    expect(changes).toHaveLength(2); // the first frame and the score change
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats.length).toBeLessThanOrEqual(5);
    const seqs = frames.map((f) => f.frame.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

describe('runBurst: the events transport', () => {
  /** A world whose campaign has `transport` set, with an Event API that records every publish. */
  function eventsWorld(
    transport: 'events' | 'auto',
    connections: string[] = ['a', 'b'],
    deltaChannel = false,
  ) {
    const w = world({ hz: 5, connections });
    w.state.campaign = {
      ...w.state.campaign!,
      metadata: {
        ...w.state.campaign!.metadata,
        service_specific: {
          campaign: { broadcast_enabled: true, transport, ...(deltaChannel ? { delta_channel: true } : {}) },
        },
      },
    };
    const published: Array<{ at: number; channel: string; frame: { type: string; seq?: number } }> = [];
    const transports: Array<{ kind: string; seq: number }> = [];
    w.deps.publish = async (channel, events) => {
      await w.clock.sleepUntil(w.clock.now() + 20);
      for (const e of events) published.push({ at: w.clock.now(), channel, frame: JSON.parse(e) });
      return 'ok';
    };
    w.deps.setTransport = async (_i, t) => {
      transports.push({ kind: t.kind, seq: t.seq });
    };
    return { ...w, published, transports };
  }

  it('a campaign set to events: one publish per tick on its channel; WebSocket clients are told once and get frames only for the overlap', async () => {
    const w = eventsWorld('events', ['a', 'b'], true);
    const ticks: number[] = [];
    const deltaTicks: number[] = [];
    w.deps.onTick = (m) => {
      ticks.push(m.published);
      deltaTicks.push(m.deltaPublished);
    };
    await run(w, input({ announced: true }), { budgetMs: 6_000 });
    const states = w.published.filter(
      (p) => p.channel === `/campaigns/${ID}` && p.frame.type === 'campaign.state',
    );
    expect(states).toHaveLength(30);
    expect(new Set(w.published.map((p) => p.channel))).toEqual(
      new Set([`/campaigns/${ID}`, `/campaigns/${ID}/delta`]),
    );
    // The delta channel: the same ticks, the first one full, then deltas on the previous seq.
    const deltas = w.published.filter(
      (p) => p.channel === `/campaigns/${ID}/delta` && p.frame.seq !== undefined,
    );
    expect(deltas.map((p) => p.frame.seq)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(deltas[0]?.frame.type).toBe('campaign.state');
    // Full frames: the first, then every 20th frame (the default delta_every).
    const full = deltas.filter((p) => p.frame.type === 'campaign.state').map((p) => p.frame.seq);
    expect(full).toEqual([1, 20]);
    expect(states.map((p) => p.frame.seq)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(w.transports).toEqual([{ kind: 'events', seq: 1 }]);
    const told = w.state.sent.filter((s) => s.frame.type === 'campaign.transport');
    expect(told.map((s) => s.connectionId).sort()).toEqual(['a', 'b']);
    // The overlap (3 s at 5 Hz): 15 frames on the websocket too, then none.
    expect(statesTo(w, 'a').length).toBeLessThanOrEqual(16);
    expect(statesTo(w, 'a').every((s) => s.at <= 3_100)).toBe(true);
    // Every tick's metrics: one publish on the frames' channel (the deferred ones land in a later
    // tick's count), and one on the deltas' channel, counted apart.
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(30);
    expect(deltaTicks.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('auto: more connections than the threshold moves the run to events at the next seq, and it stays there', async () => {
    const w = eventsWorld('auto', ['a']);
    await run(w, input({ announced: true }), { budgetMs: 6_000, autoEventsPostsPerSec: 10 }, (ms) => {
      if (ms === 2_000) for (const c of ['b', 'c', 'd']) w.state.connections.add(c);
      if (ms === 4_000) for (const c of ['b', 'c', 'd']) w.state.connections.delete(c);
    });
    expect(w.transports).toHaveLength(1);
    const [switched] = w.transports;
    expect(switched?.kind).toBe('events');
    const firstPublished = w.published.find((p) => p.frame.type === 'campaign.state')?.frame.seq ?? 0;
    expect(firstPublished).toBeGreaterThanOrEqual(switched?.seq ?? 0);
    const onA = statesTo(w, 'a').map((s) => s.frame.seq ?? 0);
    // Before the switch on the websocket only; the seqs both carried are the same frames.
    expect(onA.filter((s) => s < (switched?.seq ?? 0)).length).toBeGreaterThan(5);
    const notice = w.state.sent.find((s) => s.connectionId === 'a' && s.frame.type === 'campaign.transport');
    expect(notice?.frame.seq).toBe(switched?.seq);
  });

  it('a later burst of a run that went events starts on events: no second switch, no notice', async () => {
    const w = eventsWorld('auto');
    w.state.ticker = {
      ...w.state.ticker,
      transport: { kind: 'events', seq: 5, at: T0 },
    } as typeof w.state.ticker;
    await run(w, input({ announced: true, seq: 40 }), { budgetMs: 2_000 });
    expect(w.transports).toEqual([]);
    expect(w.state.sent.filter((s) => s.frame.type === 'campaign.state')).toEqual([]);
    expect(
      w.published.filter((p) => p.channel === `/campaigns/${ID}` && p.frame.type === 'campaign.state').length,
    ).toBe(10);
  });

  it('without delta_channel the events transport publishes on the frames channel only: one publish per tick', async () => {
    const w = eventsWorld('events');
    const deltaTicks: number[] = [];
    w.deps.onTick = (m) => deltaTicks.push(m.deltaPublished);
    await run(w, input({ announced: true }), { budgetMs: 2_000 });
    expect(new Set(w.published.map((p) => p.channel))).toEqual(new Set([`/campaigns/${ID}`]));
    expect(deltaTicks.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('without an Event API the campaign stays on the websocket transport whatever it asks', async () => {
    const w = eventsWorld('events');
    delete w.deps.publish;
    await run(w, input({ announced: true }), { budgetMs: 2_000 });
    expect(w.transports).toEqual([]);
    expect(statesTo(w, 'a')).toHaveLength(10);
  });
});

describe('runBurst: recovery (issue 22)', () => {
  it('missed counts carried in the input go out with the next frame; those left at the end come back in the output', async () => {
    const w = world({ hz: 5 });
    const out = await run(w, input({ announced: true, missed: { a: 3 } }), { budgetMs: 1_000 });
    expect(statesTo(w, 'a')[0]?.frame.missed).toBe(3);
    expect(statesTo(w, 'b')[0]?.frame.missed).toBeUndefined();
    expect(out.missed).toBeUndefined();
    // Posts slower than the tick: frames are dropped, and the last ones' count carries over.
    const slow = world({ hz: 5 });
    slow.state.postLatency = 450;
    const next = await run(slow, input({ announced: true }), { budgetMs: 2_000 });
    const a = statesTo(slow, 'a');
    const seqs = a.map((s) => Number(s.frame.seq));
    for (let i = 1; i < a.length; i += 1)
      expect(Number(a[i]?.frame.missed ?? 0)).toBe((seqs[i] ?? 0) - (seqs[i - 1] ?? 0) - 1);
    const lastSent = next.seq - 1;
    expect(next.missed?.a ?? 0).toBe(lastSent - (seqs.at(-1) ?? 0));
  });

  it('a reconnecting client gets the last frame with resumed at the next refresh, then frames after it', async () => {
    const w = world({ hz: 2 });
    let pending = [{ connectionId: 'c', from: 1 }];
    const done: string[] = [];
    w.deps.pendingResumes = async () => (w.clock.now() >= 1_100 ? pending : []);
    w.deps.resumed = async (_c, id) => {
      done.push(id);
      pending = [];
    };
    await run(w, input({ announced: true }), { budgetMs: 3_000 }, (ms) => {
      if (ms === 2_500) w.state.connections.add('c');
    });
    const c = statesTo(w, 'c');
    expect(done).toEqual(['c']);
    const first = c[0]?.frame as { seq: number; resumed?: unknown };
    expect(first.resumed).toEqual({ from: 1, missed: first.seq - 2 });
    expect(c[0]?.at ?? 0).toBeLessThan(2_000); // right at the refresh, before it was even listed
    const seqs = c.map((s) => Number(s.frame.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('connections that opted in get campaign.delta frames on the previous seq; the others full frames', async () => {
    const w = world({ hz: 5 });
    let score = 0;
    w.deps.top = async () => {
      score += 1;
      return [{ user: 'u1', score }];
    };
    w.deps.listConnections = async () => ({ live: ['a', 'b'], expired: [], deltas: ['b'] });
    await run(w, input({ announced: true }), { budgetMs: 2_000 });
    const toB = w.state.sent.filter((s) => s.connectionId === 'b').map((s) => s.frame);
    expect(toB[0]?.type).toBe('campaign.state');
    const deltas = toB.filter((f) => f.type === 'campaign.delta');
    expect(deltas.length).toBeGreaterThan(3);
    for (let i = 1; i < toB.length; i += 1)
      if (toB[i]?.type === 'campaign.delta') expect(toB[i]?.base_seq).toBe(toB[i - 1]?.seq);
    expect(
      w.state.sent.filter((s) => s.connectionId === 'a').every((s) => s.frame.type !== 'campaign.delta'),
    ).toBe(true);
  });
});
