/**
 * One shard of a sharded campaign: what a shard execution (started by the campaign's owning
 * execution, see {@link runBurst}) runs, once, for the plan it was given.
 *
 * It serves the connections that {@link shardOf} assigns to its index (re-listed every
 * second, so connections that come and go move to their shard within a second), on the
 * plan's schedule: tick k is due at `anchor_at + k / hz` and carries `seq + k` on every shard,
 * including ticks a shard had to skip (it joined late, or stalled). Every second it writes a
 * heartbeat; the owner restarts a shard whose heartbeat is stale, and one shard failing
 * affects only its own clients.
 *
 * It ends at the plan's end, or within a refresh (500 ms) when the owner no longer owns the
 * campaign, the campaign goes off the air (its clients then get `broadcast.stopped` after
 * their last frame), or the frequency differs from the plan's (the owner re-plans).
 * Events (`broadcast.started`/`stopped`) and the ticker item stay the owner's business.
 */
import type { BurstDeps } from './burst.ts';
import { broadcastNotice, type LeaderboardEntry } from './frame.ts';
import type { TickInput, TickOutput } from './machine.ts';
import { broadcastModeOf } from './on-change.ts';
import { type CampaignSnapshot, type TickerOwnership, tickerVerdict } from './phase.ts';
import { connectionsOfShard } from './shards.ts';
import { type SenderOptions, TickSender } from './tick-sender.ts';
import { runTicks } from './ticker.ts';

export type ShardDeps = Pick<
  BurstDeps,
  | 'clock'
  | 'wallNow'
  | 'loadCampaign'
  | 'loadTicker'
  | 'listConnections'
  | 'top'
  | 'removeConnection'
  | 'post'
  | 'onTick'
  | 'onRefresh'
  | 'log'
> & {
  /** Write this instance's heartbeat; false when another instance was assigned the shard. */
  beat: (campaignId: string, shard: number, instance: string, at: number) => Promise<boolean>;
  /** Read a heartbeat: shard 0's names the owner's current plan. */
  readBeat: (campaignId: string, shard: number) => Promise<{ plan: string; at: number } | undefined>;
};

export interface ShardOptions extends SenderOptions {
  startLeadMs?: number;
  /** Campaign/ticker/leaderboard re-read period (default 500 ms). */
  refreshMs?: number;
}

/** Run shard `input.shard` of its plan; resolves `continue: false` (one run per plan). */
export async function runShardBurst(
  input: TickInput,
  deps: ShardDeps,
  opts: ShardOptions = {},
): Promise<TickOutput> {
  const plan = input.shard;
  if (plan === undefined) throw new Error('runShardBurst needs input.shard');
  const { clock } = deps;
  const id = input.campaign_id;
  const log = deps.log ?? (() => undefined);
  const refreshMs = Math.min(1000, Math.max(50, opts.refreshMs ?? 500));
  const mono = (wallMs: number): number => clock.now() + (wallMs - deps.wallNow());
  const done = (): TickOutput => ({ ...input, iterations: input.iterations + 1, continue: false });

  let campaign: CampaignSnapshot | undefined;
  let ticker: (TickerOwnership & { epoch: number }) | undefined;
  let leaderboard: LeaderboardEntry[] = [];
  /** The owner's current plan, from shard 0's heartbeat. */
  let ownerPlan: string | undefined;
  /** False once another instance was assigned this shard (a restart): this one ends. */
  let assigned = true;
  let all: string[] = [];
  let mine: string[] = [];
  let lastConnections = Number.NEGATIVE_INFINITY;
  let lastBeat = Number.NEGATIVE_INFINITY;

  const sender = new TickSender(id, deps, opts);
  const { fanout } = sender;

  const refresh = async (): Promise<void> => {
    const now = clock.now();
    const work: Array<Promise<unknown>> = [
      deps.loadCampaign(id).then((c) => {
        campaign = c;
      }),
      deps.loadTicker(id).then((t) => {
        ticker = t;
      }),
      deps.top(id).then((t) => {
        leaderboard = t;
      }),
      deps.readBeat(id, 0).then((b) => {
        ownerPlan = b?.plan;
      }),
    ];
    if (now - lastConnections >= 1000 - refreshMs / 2) {
      lastConnections = now;
      work.push(
        deps.listConnections(id, deps.wallNow()).then((listed) => {
          all = listed.live;
          mine = connectionsOfShard(all, plan.index, plan.count);
        }),
      );
    }
    if (now - lastBeat >= 1000 - refreshMs / 2) {
      lastBeat = now;
      work.push(
        deps.beat(id, plan.index, input.execution, deps.wallNow()).then((ok) => {
          assigned = ok;
        }),
      );
    }
    for (const o of await Promise.allSettled(work)) {
      if (o.status === 'rejected') log('warn', 'shard refresh failed', { error: String(o.reason) });
    }
    deps.onRefresh?.();
  };
  /** Whether this shard should go on ticking its plan. */
  const verdict = (): 'live' | 'stopped' | 'end' => {
    if (!assigned) return 'end'; // restarted elsewhere
    if (ownerPlan !== undefined && ownerPlan !== plan.plan) return 'end'; // re-planned
    const v = tickerVerdict(campaign, ticker, plan.owner, deps.wallNow(), opts.startLeadMs ?? 60_000);
    if (v.kind === 'live') return v.hz === plan.hz ? 'live' : 'end';
    if (v.kind === 'stop' || v.kind === 'stopped') return 'stopped';
    return 'end';
  };

  const anchor = mono(plan.anchor_at);
  const end = mono(plan.ends_at);
  let outcome: 'live' | 'stopped' | 'end' = 'live';
  try {
    await refresh();
    outcome = verdict();
    if (outcome === 'live') {
      const stop = new AbortController();
      const refresher = (async () => {
        let next = clock.now() + refreshMs;
        while (!stop.signal.aborted) {
          await clock.sleepUntil(next, stop.signal);
          if (stop.signal.aborted) return;
          next += refreshMs;
          await refresh();
          outcome = verdict();
          if (outcome !== 'live') stop.abort();
        }
      })();
      const ticks = await runTicks({
        clock,
        anchorAt: anchor,
        durationMs: Math.max(0, end - clock.now()),
        startSeq: plan.seq,
        seqFromSchedule: true,
        frequencyHz: () => plan.hz,
        signal: stop.signal,
        onTick: (tick) =>
          sender.send(
            tick,
            mine,
            {
              mode: broadcastModeOf(campaign?.metadata),
              ts: deps.wallNow(),
              payload: { leaderboard, live_participant_count: all.length, frequency: plan.hz },
              now: clock.now(),
            },
            plan.count,
          ),
        onError: (error) => log('warn', 'tick failed', { error: String(error) }),
      });
      stop.abort();
      await refresher;
      log('info', 'shard done', { shard: plan.index, ticks: ticks.ticks, skipped: ticks.skipped, outcome });
    }
    if (outcome === 'stopped' && input.announced) {
      await fanout.drain();
      fanout.broadcast(
        mine,
        broadcastNotice({ type: 'broadcast.stopped', campaignId: id, ts: deps.wallNow() }),
      );
    }
    return done();
  } finally {
    await fanout.drain();
    deps.onRefresh?.();
  }
}
