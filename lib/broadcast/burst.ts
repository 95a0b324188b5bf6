/**
 * One tick burst of a campaign's owning execution: what the ticker state machine's Task runs,
 * for about `budgetMs`. Read this file to see a tick's path:
 *
 *   refresh (every 500 ms: campaign, ticker item, top N; every second: connections)
 *     → verdict (./phase.ts: live, wait for start_time, stop, superseded)
 *     → transport (./transport-choice.ts: websocket or events, switched at a tick boundary)
 *     → schedule (./ticker.ts: tick n due at anchor + n / Hz, never drifting)
 *     → frame (./tick-sender.ts: one text per tick) → Transport.send (websocket posts, or one publish)
 *     → hand off (continue: the Choice state loops; or a fresh execution before the history limit).
 *
 * Step Functions Wait states count whole seconds, so sub-second rates come from here. A
 * frequency change applies within a refresh; a campaign that goes off the air, or a ticker item
 * naming another execution, ends the burst within a refresh; `end_time` is met exactly (the
 * last segment ends at it). The first live tick of a run records `started_at` with
 * `broadcast.started`; a stop sends `broadcast.stopped` after the last state frame settled.
 * Sharding (websocket only) is ./shard-plan.ts; the account's posting share is ./share.ts.
 */
import type { BurstOptions, BurstPorts } from './burst-ports.ts';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_START_LEAD_MS } from './burst-ports.ts';
import { monoOf, wallOf } from './clock.ts';
import { Delivery } from './delivery.ts';
import { LiveState } from './live-state.ts';
import { MAX_CARRIED_MISSED, type TickInput, type TickOutput } from './machine.ts';
import { successorOf, type TickerVerdict, tickerVerdict } from './phase.ts';
import { Recovery } from './resume.ts';
import { REPLAN_LEAD_MS, ShardPlanner } from './shard-plan.ts';
import { broadcastModeOf, deltaChannelOf, deltaEveryOf } from './tick-frames.ts';
import { TickSender } from './tick-sender.ts';
import { runTicks, type Tick } from './ticker.ts';
import { ALIVE_EVERY_MS } from './ticker-item.ts';

type Live = Extract<TickerVerdict, { kind: 'live' }>;

export { successorOf } from './phase.ts';

/** Run one burst; resolves with the next burst's input and whether to loop. */
export function runBurst(input: TickInput, ports: BurstPorts, opts: BurstOptions): Promise<TickOutput> {
  return new Burst(input, ports, opts).run();
}

export class Burst {
  readonly #live: LiveState;
  readonly #shards: ShardPlanner;
  readonly #delivery: Delivery;
  readonly #sender: TickSender;
  readonly #recovery: Recovery;
  readonly #end: number;
  readonly #refreshMs: number;
  #seq: number;
  #lastTickSeq = 0;
  #lastAlive = Number.NEGATIVE_INFINITY;
  #announced: boolean;
  #nextTickAt: number | undefined;
  #hz = 1;
  #replan = false;

  constructor(
    private readonly input: TickInput,
    private readonly ports: BurstPorts,
    private readonly opts: BurstOptions,
  ) {
    const id = input.campaign_id;
    this.#live = new LiveState(id, ports, ports.clock, ports.wallNow, ports.log);
    this.#shards = new ShardPlanner(input, ports, opts);
    this.#delivery = new Delivery(input, ports, opts);
    this.#sender = new TickSender(id, this.#delivery.transports, {
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
      ...(ports.onTick ? { onTick: ports.onTick } : {}),
    });
    this.#recovery = new Recovery(id, ports, this.#delivery.websocket);
    if (input.missed) this.#delivery.websocket.fanout.seedMissed(input.missed);
    this.#end = ports.clock.now() + Math.max(0, opts.budgetMs);
    this.#refreshMs = Math.min(1000, Math.max(50, opts.refreshMs ?? 500));
    this.#seq = input.seq;
    this.#announced = input.announced;
    this.#nextTickAt = input.next_tick_at;
  }

  async run(): Promise<TickOutput> {
    const { clock, log } = this.ports;
    try {
      await this.#refresh(true);
      this.#delivery.resume(this.#live.ticker);
      const successor = successorOf(this.input);
      if (this.#live.ticker?.execution === successor && this.#live.ticker.epoch === this.input.epoch) {
        // A retried task whose handoff was written but whose successor did not start yet.
        await this.ports.handoff(this.input, successor, this.#seq);
        return this.#result(false);
      }
      for (;;) {
        const v = this.#verdict();
        if (v.kind === 'superseded') {
          log('info', 'superseded: another execution owns the campaign', { execution: this.input.execution });
          return this.#result(false);
        }
        if (v.kind === 'stopped' || v.kind === 'stop') return await this.#stop(v);
        if (clock.now() >= this.#end) break;
        if (v.kind === 'wait') {
          await clock.sleepUntil(Math.min(clock.now() + this.#refreshMs, this.#end, this.#mono(v.startsAt)));
          await this.#refresh(this.#live.connectionsDue());
          continue;
        }
        if (!this.#announced) await this.#announce(v.hz);
        await this.#segment(v);
      }
      return await this.#finish();
    } finally {
      await this.#delivery.transports.drain();
      this.ports.onRefresh?.();
    }
  }

  /** Tick at steady settings until the verdict, the shard count or the segment's end changes. */
  async #segment(v: Live): Promise<void> {
    const { clock, wallNow } = this.ports;
    this.#hz = v.hz;
    const end = Math.min(this.#end, v.endsAt === undefined ? Number.POSITIVE_INFINITY : this.#mono(v.endsAt));
    await this.#choose(v.hz, this.#seq);
    const wasPlanned = this.#shards.planned;
    this.#shards.count = this.#shardsWanted(v.hz);
    if (this.#shards.count <= 1 && wasPlanned) await this.#shards.unshard();
    const sharded = this.#shards.count > 1;
    // Shards need a little lead to start; otherwise keep the previous tick's pace.
    if (sharded && (this.#nextTickAt === undefined || this.#mono(this.#nextTickAt) < clock.now()))
      this.#nextTickAt = wallNow() + REPLAN_LEAD_MS;
    const paceAt =
      this.#nextTickAt !== undefined && this.#mono(this.#nextTickAt) > clock.now()
        ? this.#nextTickAt
        : undefined;
    if (sharded) await this.#shards.plan(paceAt ?? wallNow(), v.hz, this.#wall(end), this.#seq);
    if (paceAt !== undefined) await clock.sleepUntil(Math.min(this.#mono(paceAt), end));
    if (clock.now() >= end) return;
    const anchorAt = paceAt === undefined ? undefined : this.#mono(paceAt);
    this.#replan = false;
    const stop = new AbortController();
    const watching = this.#watch(v, stop);
    const ticks = await runTicks({
      clock,
      durationMs: Math.max(0, end - clock.now()),
      frequencyHz: () => this.#hz,
      startSeq: this.#seq,
      signal: stop.signal,
      onTick: (tick) => this.#tick(tick),
      onError: (error) => this.ports.log('warn', 'tick failed', { error: String(error) }),
      ...(sharded ? { seqFromSchedule: true, ...(anchorAt === undefined ? {} : { anchorAt }) } : {}),
    });
    this.#seq = ticks.nextSeq;
    if (this.#replan) {
      // Old-plan shards end within a refresh of seeing the new plan; start above their seq.
      this.#seq += Math.ceil(this.#hz * ((REPLAN_LEAD_MS + this.#refreshMs) / 1000)) + 1;
      this.#nextTickAt = undefined;
    }
    if (!stop.signal.aborted) await clock.sleepUntil(end);
    stop.abort();
    await watching;
  }

  /** The segment's refresher: re-reads, and ends the segment when something changes. */
  async #watch(v: Live, stop: AbortController): Promise<void> {
    const { clock } = this.ports;
    let next = clock.now() + this.#refreshMs;
    while (!stop.signal.aborted) {
      await clock.sleepUntil(next, stop.signal);
      if (stop.signal.aborted) return;
      next += this.#refreshMs;
      await this.#refresh(this.#live.connectionsDue(this.#refreshMs / 2));
      const nv = this.#verdict();
      if (nv.kind !== 'live' || nv.endsAt !== v.endsAt) return stop.abort();
      await this.#choose(nv.hz, this.#nextSeq());
      const wanted = this.#shardsWanted(nv.hz);
      if (wanted !== this.#shards.count || (this.#shards.count > 1 && nv.hz !== this.#hz)) {
        // Connections crossed a shard boundary, or a sharded campaign changed Hz: a new plan.
        this.#replan = true;
        return stop.abort();
      }
      if (this.#shards.count > 1) await this.#shards.restartStale();
      this.#hz = nv.hz;
    }
  }

  #tick(tick: Tick): void {
    const { clock, wallNow } = this.ports;
    this.#lastTickSeq = Math.max(this.#lastTickSeq, tick.seq);
    // Stamped with the tick's due time: a tick a little late still carries a time inside the window.
    const dueAt = wallNow() + (tick.scheduledAt - clock.now());
    this.#nextTickAt = dueAt + 1000 / this.#hz;
    this.#delivery.websocket.setAudience(this.#shards.mine(this.#live.connections), this.#live.deltas);
    const payload = {
      leaderboard: this.#live.leaderboard,
      live_participant_count: this.#live.connections.length,
      frequency: this.#hz,
    };
    const metadata = this.#live.campaign?.metadata;
    this.#sender.send(
      tick,
      {
        mode: broadcastModeOf(metadata),
        deltaEvery: deltaEveryOf(metadata),
        ts: dueAt,
        payload,
        now: clock.now(),
      },
      { shards: this.#shards.count, shareLimited: this.#delivery.shareLimited },
    );
  }

  /** Re-read the state (with this execution's sign of life and its posting share alongside). */
  async #refresh(withConnections: boolean): Promise<void> {
    const { clock, wallNow } = this.ports;
    const also: Array<Promise<unknown>> = [];
    if (this.ports.alive && clock.now() - this.#lastAlive >= ALIVE_EVERY_MS) {
      this.#lastAlive = clock.now();
      also.push(this.ports.alive(this.input, Math.max(this.#seq - 1, this.#lastTickSeq), wallNow()));
    }
    const demand = this.#shards.mine(this.#live.connections).length * this.#hz;
    const report = this.#delivery.report(demand);
    if (report) also.push(report);
    await this.#live.refresh(withConnections, also);
    this.#delivery.events?.offerDeltas(deltaChannelOf(this.#live.campaign?.metadata));
    // Resume snapshots when this burst posts to every WebSocket connection itself.
    const serving = this.#delivery.posting && this.#shards.count <= 1;
    await this.#recovery.refresh(this.#sender.last, serving, wallNow());
    this.#delivery.applyShare(demand);
    this.ports.onRefresh?.();
  }

  #choose(hz: number, seq: number): Promise<void> {
    const all = this.#live.connections;
    return this.#delivery.choose(this.#live.campaign, all.length * hz, seq, this.#shards.mine(all));
  }

  /** Shards at `hz`: none on the events transport (once the websocket one is left behind). */
  #shardsWanted(hz: number): number {
    if (!this.#delivery.posting)
      return this.#delivery.websocketInUse(this.ports.clock.now()) ? this.#shards.count : 1;
    return this.#shards.wanted(hz, this.#live.connections.length);
  }

  async #announce(hz: number): Promise<void> {
    await this.ports.markStarted(this.input, hz);
    await this.#notice('broadcast.started');
    this.#announced = true;
  }

  async #stop(v: Extract<TickerVerdict, { kind: 'stop' | 'stopped' }>): Promise<TickOutput> {
    if (v.kind === 'stop') await this.ports.stopSelf(this.input, v.reason, this.#seq - 1);
    else await this.ports.saveSeq(this.input, this.#seq - 1);
    if (this.#announced) await this.#notice('broadcast.stopped');
    this.ports.log('info', 'broadcast stopped', {
      reason: v.kind === 'stop' ? v.reason : 'stopped by the controller',
    });
    return this.#result(false);
  }

  async #notice(type: 'broadcast.started' | 'broadcast.stopped'): Promise<void> {
    if (this.#live.connectionsDue()) await this.#live.refreshConnections().catch(() => undefined);
    const all = this.#live.connections;
    await this.#delivery.notice(type, type === 'broadcast.started' ? all : this.#shards.mine(all));
  }

  /** The burst's time is up and the campaign still broadcasts: loop, or hand off. */
  async #finish(): Promise<TickOutput> {
    await this.#delivery.transports.drain();
    const maxIterations = Math.max(1, this.opts.maxIterations ?? DEFAULT_MAX_ITERATIONS);
    if (this.input.iterations + 1 >= maxIterations) {
      const { next_tick_at: _stale, missed: _old, ...rest } = this.input;
      const pace = this.#nextTickAt === undefined ? {} : { next_tick_at: Math.round(this.#nextTickAt) };
      const { missed } = this.#result(false);
      await this.ports.handoff(
        { ...rest, ...pace, ...(missed ? { missed } : {}) },
        successorOf(this.input),
        this.#seq,
      );
      this.ports.log('info', 'handed off to a fresh execution', { successor: successorOf(this.input) });
      return this.#result(false);
    }
    await this.ports.saveSeq(this.input, this.#seq - 1);
    return this.#result(true);
  }

  #result(cont: boolean): TickOutput {
    const { next_tick_at: _previous, missed: _carried, ...rest } = this.input;
    const next = this.#nextTickAt;
    const missed = this.#delivery.websocket.fanout.missedCounts(MAX_CARRIED_MISSED);
    return {
      ...rest,
      ...(Object.keys(missed).length > 0 ? { missed } : {}),
      seq: this.#seq,
      announced: this.#announced,
      iterations: this.input.iterations + 1,
      continue: cont,
      ...(cont && next !== undefined ? { next_tick_at: Math.round(next) } : {}),
    };
  }

  #verdict(): TickerVerdict {
    const lead = this.opts.startLeadMs ?? DEFAULT_START_LEAD_MS;
    return tickerVerdict(
      this.#live.campaign,
      this.#live.ticker,
      this.input.execution,
      this.ports.wallNow(),
      lead,
    );
  }

  /** The seq of the next frame, also in the middle of a segment (`#seq` is the segment's first). */
  #nextSeq(): number {
    return Math.max(this.#seq, this.#lastTickSeq + 1);
  }

  #mono(wallMs: number): number {
    return monoOf(this.ports.clock, this.ports.wallNow, wallMs);
  }

  #wall(monoMs: number): number {
    return wallOf(this.ports.clock, this.ports.wallNow, monoMs);
  }
}
