/**
 * One tick burst: what the ticker state machine's Task runs, for about `budgetMs`.
 *
 * Step Functions Wait states count whole seconds, so sub-second rates come from here: one
 * Lambda invocation ticks on an absolute schedule ({@link runTicks}) and fans each frame out
 * ({@link FanOut}), then returns `{ continue }` for the Choice state to loop on.
 *
 * While it runs, a refresher re-reads (every `refreshMs`, default 500 ms) the campaign and
 * the ticker item, and the top N; and (every `connectionsRefreshMs`, default 1 s) the
 * campaign's connections. A frequency change therefore applies within a refresh; a campaign
 * that stops broadcasting (disabled, deleted, end_time reached — end_time exactly, by a timer),
 * or a ticker item naming another execution, ends the burst within a refresh too.
 *
 * Edges: the first live tick of an epoch records `started_at` with `broadcast.started`
 * (event) and sends the `broadcast.started` frame; a stop records it (the `broadcast.stopped`
 * event goes with whichever of ticker or controller wins the running → stopped write) and
 * sends the `broadcast.stopped` frame after the last state frame has drained, so a client
 * never sees a state frame after the notice.
 *
 * Before the execution's history gets long (`maxIterations` bursts, ~7 history events each),
 * the last burst hands the campaign to a fresh execution (next generation) and returns
 * `continue: false`, so no execution ever nears the 25,000-event limit.
 */
import type { Clock } from './clock.ts';
import { broadcastNotice, type LeaderboardEntry } from './frame.ts';
import type { ShardPlan, TickInput, TickOutput } from './machine.ts';
import { broadcastModeOf } from './on-change.ts';
import {
  type CampaignSnapshot,
  executionName,
  type OffReason,
  type TickerOwnership,
  type TickerVerdict,
  tickerVerdict,
} from './phase.ts';
import { connectionsOfShard, connectionsPerShardAt, shardCountFor } from './shards.ts';
import { type SenderDeps, type SenderOptions, TickSender } from './tick-sender.ts';
import { runTicks, type Tick } from './ticker.ts';
import { ALIVE_EVERY_MS } from './ticker-state.ts';

/** Last sign of life of a shard execution (see {@link BurstDeps.readBeat}). */
export interface ShardBeat {
  plan: string;
  /** Epoch ms. */
  at: number;
}

export interface BurstDeps extends SenderDeps {
  clock: Clock;
  /** Wall clock, epoch ms (frames' `ts`, start/end times). */
  wallNow: () => number;
  loadCampaign: (campaignId: string) => Promise<CampaignSnapshot | undefined>;
  loadTicker: (campaignId: string) => Promise<(TickerOwnership & { epoch: number }) | undefined>;
  listConnections: (campaignId: string, nowMs: number) => Promise<{ live: string[]; expired: string[] }>;
  top: (campaignId: string) => Promise<LeaderboardEntry[]>;
  /** Record the run's first live tick, with its `broadcast.started` event (once per epoch). */
  markStarted: (input: TickInput, hz: number) => Promise<unknown>;
  /** running → stopped for this execution, with `broadcast.stopped` if the run had started. */
  stopSelf: (input: TickInput, reason: OffReason | 'not_started', lastSeq: number) => Promise<unknown>;
  /** Remember the last sequence number sent. */
  saveSeq: (input: TickInput, lastSeq: number) => Promise<unknown>;
  /**
   * This execution's sign of life with the last sequence number sent (`alive_at`, `seq` on
   * the ticker item), about every second: what tells a `$connect` that the ticker is alive.
   */
  alive?: (input: TickInput, lastSeq: number, at: number) => Promise<unknown>;
  /** Hand the campaign to the next generation's execution and start it (idempotent). */
  handoff: (input: TickInput, successor: string, nextSeq: number) => Promise<unknown>;
  /** Start the execution `name` serving one shard (`input.shard`); required to shard. */
  startShard?: (input: TickInput, name: string) => Promise<unknown>;
  /** A shard's last heartbeat, written by the shard execution every second. */
  readBeat?: (campaignId: string, shard: number) => Promise<ShardBeat | undefined>;
  /**
   * Assign a shard of the plan to an execution, before starting it (and shard 0 to the owner,
   * which names the owner's current plan: shards of an old plan end when they see it).
   */
  assignShard?: (
    campaignId: string,
    shard: number,
    plan: string,
    instance: string,
    at: number,
  ) => Promise<unknown>;
  /** Called about every refresh (flush buffered metrics). */
  onRefresh?: () => void;
}

export interface BurstOptions extends SenderOptions {
  /** How long this burst may tick, in ms. */
  budgetMs: number;
  /** Campaign, ticker item and leaderboard re-read period (default 500 ms; must be ≤ 1000). */
  refreshMs?: number;
  /** Connection list re-read period (default 1000 ms). */
  connectionsRefreshMs?: number;
  /** Bursts per execution before handing off to a fresh one (default 1000). */
  maxIterations?: number;
  /** How long before start_time a ticker may already run (default 60 s). */
  startLeadMs?: number;
  /**
   * Connections one broadcaster serves before the campaign is sharded (default: never shard);
   * fewer when `postsPerSecond` would not cover them at the campaign's frequency.
   */
  connectionsPerShard?: number;
  /** A shard without a heartbeat for this long is restarted (default 5 s). */
  shardStaleMs?: number;
}

/** Lead given to shard executions to start before a re-planned schedule begins. */
export const REPLAN_LEAD_MS = 1_000;

export const DEFAULT_MAX_ITERATIONS = 1000;
export const DEFAULT_START_LEAD_MS = 60_000;

/** Name of the execution that takes over from `input`'s. */
export const successorOf = (input: TickInput): string =>
  executionName(input.campaign_id, input.epoch, input.generation + 1);

/** Run one burst; resolves with the next burst's input and whether to loop. */
export async function runBurst(input: TickInput, deps: BurstDeps, opts: BurstOptions): Promise<TickOutput> {
  const { clock } = deps;
  const refreshMs = Math.min(1000, Math.max(50, opts.refreshMs ?? 500));
  const connectionsRefreshMs = Math.max(refreshMs, opts.connectionsRefreshMs ?? 1000);
  const maxIterations = Math.max(1, opts.maxIterations ?? DEFAULT_MAX_ITERATIONS);
  const leadMs = opts.startLeadMs ?? DEFAULT_START_LEAD_MS;
  const burstEnd = clock.now() + Math.max(0, opts.budgetMs);
  const id = input.campaign_id;
  const log = deps.log ?? (() => undefined);
  /** Monotonic time of a wall-clock instant. */
  const mono = (wallMs: number): number => clock.now() + (wallMs - deps.wallNow());

  let seq = input.seq;
  /** The last seq a tick of this burst carried (0: none yet). */
  let lastTickSeq = 0;
  let lastAlive = Number.NEGATIVE_INFINITY;
  let announced = input.announced;
  /** Wall-clock due time of the next tick, when a tick has a predecessor to keep pace with. */
  let nextTickAt = input.next_tick_at;
  const result = (cont: boolean): TickOutput => {
    const { next_tick_at: _previous, ...rest } = input;
    return {
      ...rest,
      seq,
      announced,
      iterations: input.iterations + 1,
      continue: cont,
      ...(cont && nextTickAt !== undefined ? { next_tick_at: Math.round(nextTickAt) } : {}),
    };
  };

  // --- State the refresher keeps current -----------------------------------------------
  let campaign = await deps.loadCampaign(id);
  let ticker = await deps.loadTicker(id);
  let connections: string[] = [];
  let leaderboard: LeaderboardEntry[] = [];
  let lastConnections = Number.NEGATIVE_INFINITY;

  const sender = new TickSender(id, deps, opts);
  const { fanout } = sender;

  const refreshConnections = async (): Promise<void> => {
    const listed = await deps.listConnections(id, deps.wallNow());
    connections = listed.live;
    lastConnections = clock.now();
    for (const expired of listed.expired) {
      void deps
        .removeConnection(id, expired)
        .catch((e: unknown) => log('warn', 'expired removal failed', { e }));
    }
  };
  const refresh = async (withConnections: boolean): Promise<void> => {
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
    ];
    if (withConnections) work.push(refreshConnections());
    if (deps.alive && clock.now() - lastAlive >= ALIVE_EVERY_MS) {
      lastAlive = clock.now();
      work.push(deps.alive(input, Math.max(seq - 1, lastTickSeq), deps.wallNow()));
    }
    const outcomes = await Promise.allSettled(work);
    for (const o of outcomes) {
      // Keep the previous values: one failed read must not stop the broadcast.
      if (o.status === 'rejected') log('warn', 'refresh failed', { error: String(o.reason) });
    }
    deps.onRefresh?.();
  };
  const verdict = (): TickerVerdict =>
    tickerVerdict(campaign, ticker, input.execution, deps.wallNow(), leadMs);

  // A retried task whose handoff was written but whose successor did not start yet.
  const successor = successorOf(input);
  if (ticker?.execution === successor && ticker.epoch === input.epoch) {
    await deps.handoff(input, successor, seq);
    return result(false);
  }

  /** A notice to every connection (started), or to this execution's shard (stopped: the other
   * shards send it to theirs after their own last frame). */
  const notify = async (type: 'broadcast.started' | 'broadcast.stopped'): Promise<void> => {
    await fanout.drain();
    if (clock.now() - lastConnections > connectionsRefreshMs) await refreshConnections();
    const to = type === 'broadcast.started' ? connections : myConnections();
    fanout.broadcast(to, broadcastNotice({ type, campaignId: id, ts: deps.wallNow() }));
    await fanout.drain();
  };

  // --- Shards: the connections this execution serves itself -----------------------------
  /** Shards of the current segment (1: not sharded). */
  let shardCount = 1;
  let mine: string[] = [];
  let mineOf: string[] | undefined;
  const myConnections = (): string[] => {
    if (shardCount <= 1) return connections;
    if (mineOf !== connections) {
      mine = connectionsOfShard(connections, 0, shardCount);
      mineOf = connections;
    }
    return mine;
  };

  // --- Shard executions of the current plan (started by this, the owning execution) -------
  let planNo = 0;
  let plan: Omit<ShardPlan, 'index'> | undefined;
  let planStartedAt = 0;
  const restartedAt = new Map<number, number>();
  let restarts = 0;
  /** Wall time each shard was last assigned to an instance (its heartbeat item's `at` then). */
  const assignedAt = new Map<number, number>();
  const staleMs = opts.shardStaleMs ?? 5000;
  /** Shards the current connections need at `hz`; shrinking waits for 10 % below the boundary. */
  const shardsWanted = (hz: number): number => {
    if (deps.startShard === undefined || opts.connectionsPerShard === undefined) return 1;
    const per = connectionsPerShardAt(hz, opts.connectionsPerShard, opts.postsPerSecond);
    const want = shardCountFor(connections.length, per);
    if (want < shardCount && connections.length > (shardCount - 1) * per * 0.9) return shardCount;
    return want;
  };
  const startShard = async (index: number, attempt: number): Promise<void> => {
    if (plan === undefined || deps.startShard === undefined) return;
    const name = `${input.execution}-s${index}-p${input.iterations}x${planNo}${attempt > 0 ? `-r${attempt}` : ''}`;
    try {
      // Named first: an earlier instance of this shard (slow, not dead) sees it and ends.
      const at = deps.wallNow();
      assignedAt.set(index, at);
      await deps.assignShard?.(id, index, plan.plan, name, at);
      await deps.startShard({ ...input, execution: name, shard: { ...plan, index } }, name);
    } catch (error) {
      log('warn', 'shard start failed', { shard: index, error: String(error) });
    }
  };
  const startShards = async (anchorWall: number, hz: number, endsAtMono: number): Promise<void> => {
    planNo += 1;
    plan = {
      count: shardCount,
      plan: `${input.execution}/${input.iterations}/${planNo}`,
      owner: input.execution,
      anchor_at: Math.round(anchorWall),
      seq,
      hz,
      ends_at: Math.round(deps.wallNow() + (endsAtMono - clock.now())),
    };
    planStartedAt = clock.now();
    restartedAt.clear();
    assignedAt.clear();
    await deps
      .assignShard?.(id, 0, plan.plan, input.execution, deps.wallNow())
      ?.catch((e: unknown) => log('warn', 'shard assignment failed', { e: String(e) }));
    log('info', 'sharded', { shards: shardCount, connections: connections.length, hz });
    await Promise.all(Array.from({ length: shardCount - 1 }, (_, i) => startShard(i + 1, 0)));
  };
  /** The ticker restarts a shard whose heartbeat is older than `staleMs` (failed or lost). */
  const restartStaleShards = async (): Promise<void> => {
    if (plan === undefined || deps.readBeat === undefined) return;
    const now = clock.now();
    if (now - planStartedAt < staleMs) return;
    const current = plan;
    await Promise.all(
      Array.from({ length: current.count - 1 }, async (_, i) => {
        const index = i + 1;
        const beat = await deps.readBeat?.(id, index).catch(() => undefined);
        const alive = beat !== undefined && beat.plan === current.plan && deps.wallNow() - beat.at < staleMs;
        // An instance that never beat yet may still be starting (a cold start): it gets 3× longer.
        const startedAt = restartedAt.get(index) ?? planStartedAt;
        const starting = (beat?.at ?? 0) <= (assignedAt.get(index) ?? 0) && now - startedAt < 3 * staleMs;
        if (alive || starting || now - startedAt < staleMs) return;
        restarts += 1;
        restartedAt.set(index, now);
        log('warn', 'restarting shard', { shard: index, lastBeat: beat?.at });
        await startShard(index, restarts);
      }),
    );
  };

  const onTick = (tick: Tick, hz: number): void => {
    lastTickSeq = Math.max(lastTickSeq, tick.seq);
    // The frame is the state as of its tick: stamped with the tick's due time, so a tick that
    // runs a little late still carries a time inside [start_time, end_time).
    const dueAt = deps.wallNow() + (tick.scheduledAt - clock.now());
    nextTickAt = dueAt + 1000 / hz;
    sender.send(
      tick,
      myConnections(),
      {
        mode: broadcastModeOf(campaign?.metadata),
        ts: dueAt,
        payload: { leaderboard, live_participant_count: connections.length, frequency: hz },
        now: clock.now(),
      },
      shardCount,
    );
  };

  try {
    await refresh(true);
    for (;;) {
      const v = verdict();
      if (v.kind === 'superseded') {
        log('info', 'superseded: another execution owns the campaign', { execution: input.execution });
        return result(false);
      }
      if (v.kind === 'stopped' || v.kind === 'stop') {
        if (v.kind === 'stop') await deps.stopSelf(input, v.reason, seq - 1);
        else await deps.saveSeq(input, seq - 1);
        if (announced) await notify('broadcast.stopped');
        log('info', 'broadcast stopped', {
          reason: v.kind === 'stop' ? v.reason : 'stopped by the controller',
        });
        return result(false);
      }
      if (clock.now() >= burstEnd) break;

      if (v.kind === 'wait') {
        const until = Math.min(clock.now() + refreshMs, burstEnd, mono(v.startsAt));
        await clock.sleepUntil(until);
        await refresh(clock.now() - lastConnections >= connectionsRefreshMs);
        continue;
      }

      // Live.
      if (!announced) {
        await deps.markStarted(input, v.hz);
        await notify('broadcast.started');
        announced = true;
      }
      let hz = v.hz;
      const segmentEnd = Math.min(
        burstEnd,
        v.endsAt === undefined ? Number.POSITIVE_INFINITY : mono(v.endsAt),
      );
      // Shards: decided per segment from the campaign's connection count.
      const wasSharded = plan !== undefined;
      shardCount = shardsWanted(hz);
      if (shardCount <= 1 && wasSharded) {
        // Back to one broadcaster: the old plan's shards see this and end.
        plan = undefined;
        await deps
          .assignShard?.(id, 0, `unsharded/${input.iterations}/${planNo}`, input.execution, deps.wallNow())
          ?.catch(() => undefined);
      }
      if (shardCount > 1 && (nextTickAt === undefined || mono(nextTickAt) < clock.now())) {
        // No pace to keep (first segment, or re-planned): leave the shards time to start.
        nextTickAt = deps.wallNow() + REPLAN_LEAD_MS;
      }
      // Keep the pace of the previous tick (this burst's previous segment, or the previous
      // burst): a new segment never adds a tick of its own.
      if (nextTickAt !== undefined && mono(nextTickAt) > clock.now()) {
        if (shardCount > 1) await startShards(nextTickAt, hz, segmentEnd);
        await clock.sleepUntil(Math.min(mono(nextTickAt), segmentEnd));
        if (clock.now() >= segmentEnd) continue;
      } else if (shardCount > 1) {
        await startShards(deps.wallNow(), hz, segmentEnd);
      }
      const anchorAt = nextTickAt === undefined ? undefined : mono(nextTickAt);
      let replan = false;
      const stop = new AbortController();
      const refresher = (async () => {
        let next = clock.now() + refreshMs;
        while (!stop.signal.aborted) {
          await clock.sleepUntil(next, stop.signal);
          if (stop.signal.aborted) return;
          next += refreshMs;
          await refresh(clock.now() - lastConnections >= connectionsRefreshMs - refreshMs / 2);
          const nv = verdict();
          if (nv.kind !== 'live' || nv.endsAt !== v.endsAt) {
            stop.abort(); // the outer loop decides what comes next
            return;
          }
          if (shardsWanted(nv.hz) !== shardCount) {
            // Connections came or went across a shard boundary: a new plan.
            replan = true;
            stop.abort();
            return;
          }
          if (shardCount > 1) {
            // Shards tick on a fixed plan: a new frequency is a new plan.
            if (nv.hz !== hz) {
              replan = true;
              stop.abort();
              return;
            }
            await restartStaleShards();
          }
          hz = nv.hz;
        }
      })();
      const ticks = await runTicks({
        clock,
        durationMs: Math.max(0, segmentEnd - clock.now()),
        frequencyHz: () => hz,
        startSeq: seq,
        signal: stop.signal,
        onTick: (tick) => onTick(tick, hz),
        onError: (error) => log('warn', 'tick failed', { error: String(error) }),
        ...(shardCount > 1 ? { seqFromSchedule: true, ...(anchorAt === undefined ? {} : { anchorAt }) } : {}),
      });
      seq = ticks.nextSeq;
      if (replan) {
        // Old-plan shards stop within a refresh of seeing the new frequency; the new plan
        // starts after that, above every seq they could still send.
        seq += Math.ceil(hz * ((REPLAN_LEAD_MS + refreshMs) / 1000)) + 1;
        nextTickAt = undefined;
      }
      // The next tick is due at or after the segment's end (end_time, or the burst's end):
      // let the clock get there before deciding again.
      if (!stop.signal.aborted) await clock.sleepUntil(segmentEnd);
      stop.abort();
      await refresher;
    }

    // The burst's time is up and the campaign is still broadcasting.
    await fanout.drain();
    if (input.iterations + 1 >= maxIterations) {
      const { next_tick_at: _stale, ...rest } = input;
      const pace = nextTickAt === undefined ? {} : { next_tick_at: Math.round(nextTickAt) };
      await deps.handoff({ ...rest, ...pace }, successor, seq);
      log('info', 'handed off to a fresh execution', { successor });
      return result(false);
    }
    await deps.saveSeq(input, seq - 1);
    return result(true);
  } finally {
    await fanout.drain();
    deps.onRefresh?.();
  }
}
