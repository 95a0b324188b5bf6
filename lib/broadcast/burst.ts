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
import { FanOut, type PostToConnection } from './fanout.ts';
import { broadcastNotice, campaignStateFrame, type LeaderboardEntry } from './frame.ts';
import type { TickInput, TickOutput } from './machine.ts';
import {
  type CampaignSnapshot,
  executionName,
  type OffReason,
  type TickerOwnership,
  type TickerVerdict,
  tickerVerdict,
} from './phase.ts';
import { runTicks, type Tick } from './ticker.ts';

/** What one tick did, for metrics. */
export interface TickMetrics {
  seq: number;
  /** ms between the tick's due time and its emission. */
  lateness: number;
  /** Connections addressed. */
  targeted: number;
  /** Frames posted successfully since the previous tick. */
  sent: number;
  /** Frames dropped by this tick (connection still busy with its previous frame). */
  dropped: number;
  /** Connections found gone (410) since the previous tick. */
  gone: number;
  /** Posts that failed since the previous tick. */
  failed: number;
}

export interface BurstDeps {
  clock: Clock;
  /** Wall clock, epoch ms (frames' `ts`, start/end times). */
  wallNow: () => number;
  loadCampaign: (campaignId: string) => Promise<CampaignSnapshot | undefined>;
  loadTicker: (campaignId: string) => Promise<(TickerOwnership & { epoch: number }) | undefined>;
  listConnections: (campaignId: string, nowMs: number) => Promise<{ live: string[]; expired: string[] }>;
  top: (campaignId: string) => Promise<LeaderboardEntry[]>;
  /** Remove (and uncount) a connection that is gone or expired. */
  removeConnection: (campaignId: string, connectionId: string) => Promise<unknown>;
  post: PostToConnection;
  /** Record the run's first live tick, with its `broadcast.started` event (once per epoch). */
  markStarted: (input: TickInput, hz: number) => Promise<unknown>;
  /** running → stopped for this execution, with `broadcast.stopped` if the run had started. */
  stopSelf: (input: TickInput, reason: OffReason | 'not_started', lastSeq: number) => Promise<unknown>;
  /** Remember the last sequence number sent. */
  saveSeq: (input: TickInput, lastSeq: number) => Promise<unknown>;
  /** Hand the campaign to the next generation's execution and start it (idempotent). */
  handoff: (input: TickInput, successor: string, nextSeq: number) => Promise<unknown>;
  onTick?: (m: TickMetrics) => void;
  /** Called about every refresh (flush buffered metrics). */
  onRefresh?: () => void;
  log?: (level: 'info' | 'warn', message: string, extra?: Record<string, unknown>) => void;
}

export interface BurstOptions {
  /** How long this burst may tick, in ms. */
  budgetMs: number;
  /** Campaign, ticker item and leaderboard re-read period (default 500 ms; must be ≤ 1000). */
  refreshMs?: number;
  /** Connection list re-read period (default 1000 ms). */
  connectionsRefreshMs?: number;
  /** Fan-out concurrency (default 128). */
  concurrency?: number;
  /** Bursts per execution before handing off to a fresh one (default 1000). */
  maxIterations?: number;
  /** How long before start_time a ticker may already run (default 60 s). */
  startLeadMs?: number;
}

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

  const fanout = new FanOut({
    post: deps.post,
    concurrency: opts.concurrency ?? 128,
    onGone: async (connectionId) => {
      await deps.removeConnection(id, connectionId);
    },
    onError: (error, connectionId) => log('warn', 'post failed', { connectionId, error: String(error) }),
  });

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

  const notify = async (type: 'broadcast.started' | 'broadcast.stopped'): Promise<void> => {
    await fanout.drain();
    if (clock.now() - lastConnections > connectionsRefreshMs) await refreshConnections();
    fanout.broadcast(connections, broadcastNotice({ type, campaignId: id, ts: deps.wallNow() }));
    await fanout.drain();
  };

  let previous = fanout.totals();
  const onTick = (tick: Tick, hz: number): void => {
    nextTickAt = deps.wallNow() + (tick.scheduledAt - clock.now()) + 1000 / hz;
    const frame = campaignStateFrame({
      campaignId: id,
      seq: tick.seq,
      ts: deps.wallNow(),
      payload: { leaderboard, live_participant_count: connections.length, frequency: hz },
    });
    const stats = fanout.broadcast(connections, frame);
    const totals = fanout.totals();
    deps.onTick?.({
      seq: tick.seq,
      lateness: tick.lateness,
      targeted: stats.targeted,
      dropped: stats.dropped,
      sent: totals.sent - previous.sent,
      gone: totals.gone - previous.gone,
      failed: totals.failed - previous.failed,
    });
    previous = totals;
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
      // Keep the pace of the previous tick (this burst's previous segment, or the previous
      // burst): a new segment never adds a tick of its own.
      if (nextTickAt !== undefined && mono(nextTickAt) > clock.now()) {
        await clock.sleepUntil(Math.min(mono(nextTickAt), segmentEnd));
        if (clock.now() >= segmentEnd) continue;
      }
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
      });
      seq = ticks.nextSeq;
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
