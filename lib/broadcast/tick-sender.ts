/**
 * What a broadcaster, the owning burst ({@link runBurst}) or one shard
 * ({@link runShardBurst}), does with each tick: build the frame the campaign's mode wants, fan
 * it out to the connections it serves, and report the tick's metrics.
 */
import { PostBudget } from './budget.ts';
import { FanOut, type FanOutTotals, type PostToConnection } from './fanout.ts';
import type { CampaignStatePayload } from './frame.ts';
import { type BroadcastMode, TickFrames } from './on-change.ts';

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
  /** Frames thinned by the posting budget by this tick. */
  thinned: number;
  /** Posts answered 429 since the previous tick. */
  throttled: number;
  /** Shards serving the campaign (1 when not sharded). */
  shards: number;
  /** False when on-change mode sent nothing for this tick. */
  sentFrame: boolean;
}

export type BroadcastLog = (level: 'info' | 'warn', message: string, extra?: Record<string, unknown>) => void;

export interface SenderDeps {
  post: PostToConnection;
  /** Remove (and uncount) a connection that is gone or expired. */
  removeConnection: (campaignId: string, connectionId: string) => Promise<unknown>;
  onTick?: (m: TickMetrics) => void;
  log?: BroadcastLog;
}

export interface SenderOptions {
  /** Fan-out concurrency (default 128). */
  concurrency?: number;
  /** Posts per second this broadcaster may make (default: unlimited). */
  postsPerSecond?: number;
  /** Longest time without a frame in on-change mode (default 5 s). */
  heartbeatMs?: number;
}

/** The state a tick's frame carries. */
export interface TickState {
  mode: BroadcastMode;
  /** The frame's wall-clock time, epoch ms. */
  ts: number;
  payload: CampaignStatePayload;
  /** Monotonic clock now (on-change heartbeats). */
  now: number;
}

export class TickSender {
  /** The fan-out, for draining and for notices (`broadcast.started` / `stopped`). */
  readonly fanout: FanOut;
  readonly #frames: TickFrames;
  readonly #onTick: SenderDeps['onTick'];
  #previous: FanOutTotals;

  constructor(campaignId: string, deps: SenderDeps, opts: SenderOptions) {
    const log = deps.log ?? (() => undefined);
    const budget =
      opts.postsPerSecond === undefined ? undefined : new PostBudget({ postsPerSecond: opts.postsPerSecond });
    this.fanout = new FanOut({
      post: deps.post,
      concurrency: opts.concurrency ?? 128,
      ...(budget === undefined ? {} : { budget }),
      onGone: async (connectionId) => {
        await deps.removeConnection(campaignId, connectionId);
      },
      onError: (error, connectionId) => log('warn', 'post failed', { connectionId, error: String(error) }),
    });
    this.#frames = new TickFrames({
      campaignId,
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    });
    this.#onTick = deps.onTick;
    this.#previous = this.fanout.totals();
  }

  /**
   * Send tick `seq`'s frame (none when on-change mode has nothing new to say) to `to`, and
   * report the tick with the posts settled since the previous one.
   */
  send(
    tick: { seq: number; lateness: number },
    to: readonly string[],
    state: TickState,
    shards: number,
  ): void {
    const frame = this.#frames.frame(state.mode, tick.seq, state.ts, state.payload, state.now);
    const stats =
      frame === undefined
        ? { targeted: to.length, dropped: 0, thinned: 0 }
        : this.fanout.broadcast(to, frame);
    const totals = this.fanout.totals();
    this.#onTick?.({
      seq: tick.seq,
      lateness: tick.lateness,
      targeted: stats.targeted,
      dropped: stats.dropped,
      thinned: stats.thinned,
      sent: totals.sent - this.#previous.sent,
      gone: totals.gone - this.#previous.gone,
      failed: totals.failed - this.#previous.failed,
      throttled: totals.throttled - this.#previous.throttled,
      shards,
      sentFrame: frame !== undefined,
    });
    this.#previous = totals;
  }
}
