/**
 * One shard of a sharded campaign (websocket transport): what a shard execution, started by the
 * campaign's owner (./shard-plan.ts), runs once for the plan it was given.
 *
 * It serves the connections that {@link shardOf} assigns to its index (re-listed every second),
 * on the plan's schedule: tick k is due at `anchor_at + k / hz` and carries `seq + k` on every
 * shard, including ticks a shard had to skip. Every second it writes a heartbeat; the owner
 * restarts a shard whose heartbeat is stale, and one shard failing affects only its clients.
 * It takes its part of the account's posting share like any broadcaster (./share.ts).
 *
 * It ends at the plan's end, or within a refresh (500 ms) when another instance is named for
 * its shard, the owner re-planned or no longer owns the campaign, the campaign goes off the air
 * (its clients then get `broadcast.stopped` after their last frame), or the frequency differs
 * from the plan's. When the owner switches the campaign to the events transport, the shard
 * sends its clients the `campaign.transport` frame and keeps ticking until the switch's overlap
 * is over. Events (`broadcast.started`/`stopped`) and the ticker item stay the owner's business.
 */
import type { BurstPorts } from './burst-ports.ts';
import { DEFAULT_START_LEAD_MS } from './burst-ports.ts';
import { monoOf } from './clock.ts';
import { broadcastNotice } from './frame.ts';
import { transportFrame } from './join.ts';
import { LiveState } from './live-state.ts';
import type { ShardPlan, TickInput, TickOutput } from './machine.ts';
import { broadcastModeOf } from './on-change.ts';
import { tickerVerdict } from './phase.ts';
import { connectionsOfShard } from './shards.ts';
import { capToShare, type PostingShare } from './share.ts';
import { TickSender } from './tick-sender.ts';
import { runTicks, type Tick } from './ticker.ts';
import { SWITCH_OVERLAP_MS, TransportSwitch } from './transport.ts';
import { WebsocketTransport } from './websocket-transport.ts';

export type ShardDeps = Pick<
  BurstPorts,
  | 'clock'
  | 'wallNow'
  | 'log'
  | 'loadCampaign'
  | 'loadTicker'
  | 'listConnections'
  | 'top'
  | 'removeConnection'
  | 'post'
  | 'join'
  | 'share'
  | 'onTick'
  | 'onRefresh'
> & {
  /** Write this instance's heartbeat; false when another instance was assigned the shard. */
  beat: (campaignId: string, shard: number, instance: string, at: number) => Promise<boolean>;
  /** Read a heartbeat: shard 0's names the owner's current plan. */
  readBeat: (campaignId: string, shard: number) => Promise<{ plan: string; at: number } | undefined>;
};

export interface ShardRunOptions {
  concurrency?: number;
  postsPerSecond?: number;
  heartbeatMs?: number;
  startLeadMs?: number;
  /** Campaign/ticker/leaderboard re-read period (default 500 ms). */
  refreshMs?: number;
}

type Outcome = 'live' | 'stopped' | 'end';

/** Run shard `input.shard` of its plan; resolves `continue: false` (one run per plan). */
export function runShardBurst(
  input: TickInput,
  deps: ShardDeps,
  opts: ShardRunOptions = {},
): Promise<TickOutput> {
  if (input.shard === undefined) throw new Error('runShardBurst needs input.shard');
  return new ShardBurst(input, input.shard, deps, opts).run();
}

class ShardBurst {
  readonly #live: LiveState;
  readonly #websocket: WebsocketTransport;
  readonly #sender: TickSender;
  readonly #share: PostingShare | undefined;
  readonly #refreshMs: number;
  #ownerPlan: string | undefined;
  #assigned = true;
  #lastBeat = Number.NEGATIVE_INFINITY;
  #toldTransport = false;
  #shareLimited = false;

  constructor(
    private readonly input: TickInput,
    private readonly plan: ShardPlan,
    private readonly deps: ShardDeps,
    private readonly opts: ShardRunOptions,
  ) {
    const id = input.campaign_id;
    this.#live = new LiveState(id, deps, deps.clock, deps.wallNow, deps.log);
    this.#websocket = new WebsocketTransport(id, deps, opts);
    this.#sender = new TickSender(id, new TransportSwitch(this.#websocket), {
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
      ...(deps.onTick ? { onTick: deps.onTick } : {}),
    });
    this.#share = deps.share?.();
    this.#refreshMs = Math.min(1000, Math.max(50, opts.refreshMs ?? 500));
  }

  async run(): Promise<TickOutput> {
    const { clock, wallNow, log } = this.deps;
    const { plan } = this;
    let outcome: Outcome = 'live';
    try {
      await this.#refresh();
      outcome = this.#verdict();
      if (outcome === 'live') {
        const stop = new AbortController();
        const refresher = this.#watch(stop, (o) => (outcome = o));
        const ticks = await runTicks({
          clock,
          anchorAt: this.#mono(plan.anchor_at),
          durationMs: Math.max(0, this.#mono(plan.ends_at) - clock.now()),
          startSeq: plan.seq,
          seqFromSchedule: true,
          frequencyHz: () => plan.hz,
          signal: stop.signal,
          onTick: (tick) => this.#tick(tick),
          onError: (error) => log('warn', 'tick failed', { error: String(error) }),
        });
        stop.abort();
        await refresher;
        log('info', 'shard done', { shard: plan.index, ticks: ticks.ticks, skipped: ticks.skipped, outcome });
      }
      if (outcome === 'stopped' && this.input.announced) {
        const id = this.input.campaign_id;
        await this.#websocket.notice(
          broadcastNotice({ type: 'broadcast.stopped', campaignId: id, ts: wallNow() }),
        );
      }
      return { ...this.input, iterations: this.input.iterations + 1, continue: false };
    } finally {
      await this.#websocket.drain();
      this.deps.onRefresh?.();
    }
  }

  async #watch(stop: AbortController, report: (o: Outcome) => void): Promise<void> {
    const { clock } = this.deps;
    let next = clock.now() + this.#refreshMs;
    while (!stop.signal.aborted) {
      await clock.sleepUntil(next, stop.signal);
      if (stop.signal.aborted) return;
      next += this.#refreshMs;
      await this.#refresh();
      const outcome = this.#verdict();
      report(outcome);
      if (outcome !== 'live') stop.abort();
    }
  }

  #tick(tick: Tick): void {
    const { clock, wallNow } = this.deps;
    const live = this.#live;
    const payload = {
      leaderboard: live.leaderboard,
      live_participant_count: live.connections.length,
      frequency: this.plan.hz,
    };
    const state = {
      mode: broadcastModeOf(live.campaign?.metadata),
      ts: wallNow(),
      payload,
      now: clock.now(),
    };
    this.#sender.send(tick, state, { shards: this.plan.count, shareLimited: this.#shareLimited });
  }

  async #refresh(): Promise<void> {
    const { clock, wallNow } = this.deps;
    const { plan, input } = this;
    const id = input.campaign_id;
    const demand = this.#websocket.audience.length * plan.hz;
    const also: Array<Promise<unknown>> = [
      this.deps.readBeat(id, 0).then((b) => (this.#ownerPlan = b?.plan)),
    ];
    if (clock.now() - this.#lastBeat >= 1000 - this.#refreshMs / 2) {
      this.#lastBeat = clock.now();
      also.push(
        this.deps.beat(id, plan.index, input.execution, wallNow()).then((ok) => (this.#assigned = ok)),
      );
    }
    if (this.#share) also.push(this.#share.report(demand));
    await this.#live.refresh(this.#live.connectionsDue(this.#refreshMs / 2), also);
    this.#websocket.setAudience(connectionsOfShard(this.#live.connections, plan.index, plan.count));
    const budget = this.#websocket.budget;
    if (this.#share && budget) this.#shareLimited = capToShare(this.#share, budget, demand);
    await this.#followTransport();
    this.deps.onRefresh?.();
  }

  /** The owner switched the campaign to the events transport: tell this shard's clients, once. */
  async #followTransport(): Promise<void> {
    const t = this.#live.ticker?.transport;
    if (t?.kind !== 'events' || this.#toldTransport) return;
    this.#toldTransport = true;
    const id = this.input.campaign_id;
    const join = this.deps.join(id, 'events');
    await this.#websocket.notice(transportFrame({ campaignId: id, seq: t.seq, ts: t.at, join }));
  }

  #verdict(): Outcome {
    const { wallNow } = this.deps;
    if (!this.#assigned) return 'end'; // restarted elsewhere
    if (this.#ownerPlan !== undefined && this.#ownerPlan !== this.plan.plan) return 'end'; // re-planned
    const t = this.#live.ticker?.transport;
    if (t?.kind === 'events' && wallNow() >= t.at + SWITCH_OVERLAP_MS) return 'end';
    const lead = this.opts.startLeadMs ?? DEFAULT_START_LEAD_MS;
    const v = tickerVerdict(this.#live.campaign, this.#live.ticker, this.plan.owner, wallNow(), lead);
    if (v.kind === 'live') return v.hz === this.plan.hz ? 'live' : 'end';
    return v.kind === 'stop' || v.kind === 'stopped' ? 'stopped' : 'end';
  }

  #mono(wallMs: number): number {
    return monoOf(this.deps.clock, this.deps.wallNow, wallMs);
  }
}
