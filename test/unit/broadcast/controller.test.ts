/**
 * The broadcast controller (lib/broadcast/controller.ts) over in-memory stand-ins for the
 * ticker item (with the same conditional semantics as DynamoDB) and Step Functions.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastController } from '../../../lib/broadcast/controller.ts';
import type { ExecutionStatus, TickerMachine, TickInput } from '../../../lib/broadcast/machine.ts';
import type { CampaignSnapshot } from '../../../lib/broadcast/phase.ts';
import type { TickerItem } from '../../../lib/broadcast/ticker-item.ts';
import type { TickerStore } from '../../../lib/broadcast/ticker-state.ts';
import { TICKER_STALE_MS, TickerWatch } from '../../../lib/broadcast/ticker-watch.ts';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ID = '01JCAMPAIGN0000000000000000';
const iso = (ms: number) => new Date(ms).toISOString();

class MemoryTickers implements Pick<TickerStore, 'get' | 'claim' | 'stop' | 'handoff'> {
  item: TickerItem | undefined;
  events: EventEnvelope[] = [];

  async get(): Promise<TickerItem | undefined> {
    return this.item ? { ...this.item } : undefined;
  }

  async claim(_c: string, prev: TickerItem | undefined, next: { epoch: number; execution: string }) {
    const cur = this.item;
    const ok = prev
      ? cur !== undefined && cur.epoch === prev.epoch && cur.status === 'stopped'
      : cur === undefined;
    if (!ok) return false;
    this.item = {
      campaign_id: ID,
      status: 'running',
      epoch: next.epoch,
      generation: 0,
      execution: next.execution,
      seq: cur?.seq ?? 0,
      alive_at: 0,
      updated_at: '',
    };
    return true;
  }

  async stop(_c: string, execution: string, reason: string, ev: (i: TickerItem) => EventEnvelope) {
    const cur = this.item;
    if (!cur || cur.execution !== execution || cur.status !== 'running') return { stopped: false };
    if (cur.started_at) this.events.push(ev(cur));
    this.item = { ...cur, status: 'stopped', stop_reason: reason };
    return { stopped: true, item: cur };
  }

  async handoff(_c: string, from: string, to: { execution: string; generation: number }, seq: number) {
    const cur = this.item;
    if (!cur || cur.execution !== from || cur.status !== 'running') return false;
    this.item = { ...cur, ...to, seq };
    return true;
  }
}

class MemoryMachine implements TickerMachine {
  executions = new Map<string, { status: ExecutionStatus; input: TickInput }>();
  stops: string[] = [];

  async start(name: string, input: TickInput) {
    if (this.executions.has(name)) return 'exists' as const;
    this.executions.set(name, { status: 'RUNNING', input });
    return 'started' as const;
  }

  async stop(name: string) {
    this.stops.push(name);
    const e = this.executions.get(name);
    if (e?.status === 'RUNNING') {
      e.status = 'ABORTED';
      return 'stopped' as const;
    }
    return 'not_running' as const;
  }

  async status(name: string): Promise<ExecutionStatus> {
    return this.executions.get(name)?.status ?? 'MISSING';
  }
}

function setup(metadata: Partial<Metadata> = {}) {
  let campaign: CampaignSnapshot | undefined = {
    id: ID,
    state: 'active',
    metadata: {
      features: ['broadcast'],
      scheduling: { frequency: 5, start_time: iso(NOW - 1000) },
      service_specific: { campaign: { broadcast_enabled: true } },
      ...metadata,
    },
  };
  const tickers = new MemoryTickers();
  const machine = new MemoryMachine();
  const emitted: EventEnvelope[] = [];
  const notified: string[] = [];
  const controller = new BroadcastController({
    campaigns: { get: async () => campaign },
    tickers,
    machine,
    emit: async (e) => {
      emitted.push(...e);
    },
    notifyStopped: async (id) => {
      notified.push(id);
    },
    environment: 'test',
    now: () => NOW,
    startLeadMs: 60_000,
  });
  const set = (m: Partial<Metadata> | undefined) => {
    campaign =
      m === undefined
        ? undefined
        : { ...(campaign as CampaignSnapshot), metadata: { ...campaign?.metadata, ...m } };
  };
  return { controller, tickers, machine, emitted, notified, set };
}

describe('BroadcastController.reconcile', () => {
  it('starts one execution per broadcasting campaign, named by campaign and epoch', async () => {
    const { controller, machine, tickers } = setup();
    expect(await controller.reconcile(ID, 'corr-0001')).toEqual(['started']);
    expect([...machine.executions.keys()]).toEqual([`${ID}-e1-g0`]);
    expect(machine.executions.get(`${ID}-e1-g0`)?.input).toEqual({
      kind: 'broadcast.tick',
      campaign_id: ID,
      execution: `${ID}-e1-g0`,
      epoch: 1,
      generation: 0,
      seq: 1,
      iterations: 0,
      announced: false,
    });
    expect(tickers.item).toMatchObject({ status: 'running', epoch: 1, execution: `${ID}-e1-g0` });
    // Again (a duplicate or later event): nothing new.
    expect(await controller.reconcile(ID, 'corr-0002')).toEqual(['running']);
    expect(machine.executions.size).toBe(1);
  });

  it('never two executions: concurrent reconciles of one campaign start exactly one', async () => {
    const { controller, machine } = setup();
    const outcomes = (
      await Promise.all(Array.from({ length: 5 }, () => controller.reconcile(ID, 'corr-0001')))
    ).flat();
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
    expect(machine.executions.size).toBe(1);
  });

  it('completes a claim whose start failed, and replaces a dead execution with the next generation', async () => {
    const { controller, machine, tickers } = setup();
    await controller.reconcile(ID, 'corr-0001');
    machine.executions.clear(); // the StartExecution never happened
    expect(await controller.reconcile(ID, 'corr-0002')).toEqual(['started']);
    expect(machine.executions.has(`${ID}-e1-g0`)).toBe(true);

    const e = machine.executions.get(`${ID}-e1-g0`);
    if (e) e.status = 'FAILED';
    tickers.item = { ...(tickers.item as TickerItem), seq: 41, started_at: iso(NOW) };
    expect(await controller.reconcile(ID, 'corr-0003')).toEqual(['restarted']);
    expect(tickers.item).toMatchObject({ execution: `${ID}-e1-g1`, generation: 1, epoch: 1 });
    // Above every seq the dead execution may have sent after its last save (2 s at 5 Hz).
    expect(tickers.item?.seq).toBe(41 + 10);
    expect(machine.executions.get(`${ID}-e1-g1`)?.input).toMatchObject({
      seq: 52,
      announced: true,
      generation: 1,
    });
  });

  it('stops when broadcasting ends: conditional stop, StopExecution, broadcast.stopped once', async () => {
    const { controller, machine, tickers, set } = setup();
    await controller.reconcile(ID, 'corr-0001');
    tickers.item = { ...(tickers.item as TickerItem), started_at: iso(NOW), seq: 77 };
    set({ service_specific: { campaign: { broadcast_enabled: false } } });
    expect(await controller.reconcile(ID, 'corr-0002')).toEqual(['stopped']);
    expect(machine.stops).toEqual([`${ID}-e1-g0`]);
    expect(tickers.item).toMatchObject({ status: 'stopped', stop_reason: 'disabled' });
    expect(tickers.events.map((e) => [e.type, e.payload?.reason, e.payload?.last_seq])).toEqual([
      ['broadcast.stopped', 'disabled', 77],
    ]);
    expect(await controller.reconcile(ID, 'corr-0003')).toEqual(['idle']);
    expect(tickers.events).toHaveLength(1);
  });

  it('a new run after a stop is a new epoch that continues the sequence numbers', async () => {
    const { controller, machine, tickers, set } = setup();
    await controller.reconcile(ID, 'c-0000001');
    tickers.item = { ...(tickers.item as TickerItem), seq: 120 };
    set({ service_specific: { campaign: { broadcast_enabled: false } } });
    await controller.reconcile(ID, 'c-0000002');
    set({ service_specific: { campaign: { broadcast_enabled: true } } });
    expect(await controller.reconcile(ID, 'c-0000003')).toEqual(['started']);
    expect(machine.executions.get(`${ID}-e2-g0`)?.input).toMatchObject({ epoch: 2, seq: 121 });
  });

  it('tells the clients itself when no execution was left running to do it', async () => {
    const { controller, machine, tickers, set, notified } = setup();
    await controller.reconcile(ID, 'c-0000001');
    tickers.item = { ...(tickers.item as TickerItem), started_at: iso(NOW) };
    const e = machine.executions.get(`${ID}-e1-g0`);
    if (e) e.status = 'FAILED';
    set(undefined); // deleted
    expect(await controller.reconcile(ID, 'c-0000002')).toEqual(['stopped']);
    expect(notified).toEqual([ID]);
  });

  it('a start beyond the lead is a scheduler intent at start_time − lead, asked for once', async () => {
    const start = NOW + 3_600_000;
    const { controller, machine, emitted, set } = setup({ scheduling: { start_time: iso(start) } });
    expect(await controller.reconcile(ID, 'c-0000001')).toEqual(['idle', 'scheduled']);
    expect(machine.executions.size).toBe(0);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'scheduler.schedule',
      source: 'tempora.broadcast',
      entity: { type: 'campaign', id: ID },
      payload: {
        action: 'run_pattern',
        pattern: 'broadcast.start',
        run_at: iso(start - 60_000),
        entity: { type: 'campaign', id: ID },
        cancel_on: ['campaign.deleted'],
      },
    });
    // The scheduler wrote the intent back onto the campaign: not asked again.
    set({
      scheduling: {
        start_time: iso(start),
        intents: [{ pattern: 'broadcast.start', status: 'scheduled', run_at: iso(start - 60_000) }],
      },
    });
    expect(await controller.reconcile(ID, 'c-0000002')).toEqual(['idle', 'already_scheduled']);
    expect(emitted).toHaveLength(1);
  });

  it('a start moved far into the future stops the running ticker and schedules the new start', async () => {
    const { controller, machine, set } = setup();
    await controller.reconcile(ID, 'c-0000001');
    set({ scheduling: { start_time: iso(NOW + 7_200_000) } });
    expect(await controller.reconcile(ID, 'c-0000002')).toEqual(['stopped', 'scheduled']);
    expect(machine.stops).toHaveLength(1);
  });
});

describe('TickerWatch (the $connect and sweep reconcile triggers)', () => {
  /** The controller's stand-ins plus the lease and the list, with DynamoDB's conditions. */
  function watched(opts: { alive_at?: number } = {}) {
    const s = setup();
    let clock = NOW;
    let checkedAt: number | undefined;
    const leases: number[] = [];
    const tickers = {
      get: () => s.tickers.get(),
      listRunning: async () => (s.tickers.item?.status === 'running' ? [{ ...s.tickers.item }] : []),
      leaseCheck: async (_c: string, execution: string, at: number, leaseMs: number) => {
        if (s.tickers.item?.execution !== execution) return false;
        if (checkedAt !== undefined && checkedAt > at - leaseMs) return false;
        checkedAt = at;
        leases.push(at);
        return true;
      },
    };
    const controller = new BroadcastController({
      campaigns: { get: async () => campaign },
      tickers: s.tickers,
      machine: s.machine,
      emit: async () => undefined,
      notifyStopped: async () => undefined,
      environment: 'test',
      now: () => clock,
    });
    const campaign: CampaignSnapshot = {
      id: ID,
      state: 'active',
      metadata: {
        features: ['broadcast'],
        scheduling: { frequency: 5, start_time: iso(NOW - 1000) },
        service_specific: { campaign: { broadcast_enabled: true } },
      },
    };
    const watch = new TickerWatch({
      tickers,
      running: tickers,
      reconcile: (id, corr) => controller.reconcile(id, corr),
      now: () => clock,
    });
    const alive = (at: number) => {
      if (s.tickers.item) s.tickers.item.alive_at = at;
    };
    if (opts.alive_at !== undefined) alive(opts.alive_at);
    return {
      ...s,
      watch,
      campaign,
      leases,
      alive,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('a connect to a live campaign with no ticker starts one; concurrent connects start exactly one', async () => {
    const { watch, campaign, machine } = watched();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => watch.onConnect(campaign, 'c')));
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
    expect(machine.executions.size).toBe(1);
  });

  it('a fresh alive_at costs no Step Functions call; a stale one lets one connect per lease check', async () => {
    const { watch, campaign, machine, tickers, alive, advance, leases } = watched();
    await watch.onConnect(campaign, 'c'); // started
    alive(NOW);
    advance(1_000);
    expect(await watch.onConnect(campaign, 'c')).toBe('alive');
    expect(leases).toHaveLength(0);
    // The execution died (the emulator restarted and marked it FAILED); its beats stopped.
    const first = machine.executions.get(`${ID}-e1-g0`);
    if (first) first.status = 'FAILED';
    tickers.item = { ...(tickers.item as TickerItem), seq: 100 };
    advance(TICKER_STALE_MS);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => watch.onConnect(campaign, 'c')));
    expect(outcomes.sort()).toEqual([
      'checked_elsewhere',
      'checked_elsewhere',
      'checked_elsewhere',
      'checked_elsewhere',
      'restarted',
    ]);
    expect(tickers.item).toMatchObject({ execution: `${ID}-e1-g1`, generation: 1, seq: 110 });
    expect(
      [...machine.executions.entries()].filter(([, e]) => e.status === 'RUNNING').map(([n]) => n),
    ).toEqual([`${ID}-e1-g1`]);
  });

  it('a stale but RUNNING execution (a slow burst, a retry) is left alone', async () => {
    const { watch, campaign, machine, advance } = watched();
    await watch.onConnect(campaign, 'c');
    advance(60_000);
    expect(await watch.onConnect(campaign, 'c')).toBe('running');
    expect(machine.executions.size).toBe(1);
  });

  it('a connect to a campaign that is not on the air does nothing', async () => {
    const { watch, campaign, machine } = watched();
    const off = { ...campaign, metadata: { ...campaign.metadata, features: [] } };
    expect(await watch.onConnect(off, 'c')).toBe('not_live');
    expect(machine.executions.size).toBe(0);
  });

  it('the sweep restarts every running ticker whose execution died and skips the alive ones', async () => {
    const { watch, campaign, machine, alive, advance } = watched();
    await watch.onConnect(campaign, 'c');
    alive(NOW);
    expect(await watch.sweep('sweep')).toEqual([]);
    const first = machine.executions.get(`${ID}-e1-g0`);
    if (first) first.status = 'FAILED';
    advance(60_000);
    expect(await watch.sweep('sweep')).toEqual([{ campaign_id: ID, outcome: 'restarted' }]);
    expect(machine.executions.get(`${ID}-e1-g1`)?.status).toBe('RUNNING');
  });
});
