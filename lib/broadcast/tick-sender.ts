/**
 * What a broadcaster, the owning burst (./burst.ts) or one shard (./shard-burst.ts), does with
 * each tick: build the frame the campaign's mode wants (once: the same text goes to every
 * recipient and to both transports during a switch), send it through the active transports,
 * and report the tick's metrics.
 */
import type { CampaignStatePayload } from './frame.ts';
import { type BroadcastMode, TickFrames } from './on-change.ts';
import {
  addTotals,
  type Transport,
  type TransportKind,
  type TransportSwitch,
  type TransportTotals,
  ZERO_TOTALS,
} from './transport.ts';

/** What one tick did, for metrics. */
export interface TickMetrics {
  seq: number;
  /** ms between the tick's due time and its emission. */
  lateness: number;
  /** The transport the tick's frame went to. */
  transport: TransportKind;
  /** Recipients addressed: connections (websocket), or the channel (events). */
  targeted: number;
  /** Frames delivered since the previous tick (posts answered 2xx, publishes accepted). */
  sent: number;
  /** Frames dropped by this tick (recipient still busy with its previous frame). */
  dropped: number;
  /** Connections found gone (410) since the previous tick. */
  gone: number;
  /** Posts or publishes that failed since the previous tick. */
  failed: number;
  /** Frames thinned by the posting budget by this tick. */
  thinned: number;
  /** Posts or publishes answered 429 since the previous tick. */
  throttled: number;
  /** Event API publishes made since the previous tick. */
  published: number;
  /** Shards serving the campaign (1 when not sharded). */
  shards: number;
  /** True when the account's posting share held this broadcaster below its demand. */
  shareLimited: boolean;
  /** False when on-change mode sent nothing for this tick. */
  sentFrame: boolean;
}

export type BroadcastLog = (level: 'info' | 'warn', message: string, extra?: Record<string, unknown>) => void;

/** The state a tick's frame carries. */
export interface TickState {
  mode: BroadcastMode;
  /** The frame's wall-clock time, epoch ms. */
  ts: number;
  payload: CampaignStatePayload;
  /** Monotonic clock now (on-change heartbeats, the transport switch's overlap). */
  now: number;
}

export interface TickSenderOptions {
  /** Longest time without a frame in on-change mode (default 5 s). */
  heartbeatMs?: number;
  onTick?: (m: TickMetrics) => void;
}

export class TickSender {
  readonly #frames: TickFrames;
  readonly #transports: TransportSwitch;
  readonly #onTick: TickSenderOptions['onTick'];
  readonly #previous = new Map<Transport, TransportTotals>();

  constructor(campaignId: string, transports: TransportSwitch, opts: TickSenderOptions = {}) {
    this.#frames = new TickFrames({
      campaignId,
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    });
    this.#transports = transports;
    this.#onTick = opts.onTick;
  }

  /**
   * Send tick `seq`'s frame (none when on-change mode has nothing new to say) and report the
   * tick with what settled since the previous one.
   */
  send(
    tick: { seq: number; lateness: number },
    state: TickState,
    extra: { shards: number; shareLimited: boolean },
  ): void {
    const frame = this.#frames.frame(state.mode, tick.seq, state.ts, state.payload, state.now);
    const stats =
      frame === undefined ? { targeted: 0, dropped: 0, thinned: 0 } : this.#transports.send(frame, state.now);
    const settled = this.#settled(state.now);
    this.#onTick?.({
      seq: tick.seq,
      lateness: tick.lateness,
      transport: this.#transports.active.kind,
      targeted: stats.targeted,
      dropped: stats.dropped,
      thinned: stats.thinned,
      sent: settled.sent,
      gone: settled.gone,
      failed: settled.failed,
      throttled: settled.throttled,
      published: settled.publishes,
      shards: extra.shards,
      shareLimited: extra.shareLimited,
      sentFrame: frame !== undefined,
    });
  }

  /** What settled on each transport in use since the previous tick. */
  #settled(now: number): TransportTotals {
    let sum = ZERO_TOTALS;
    const leaving = this.#transports.leaving(now);
    for (const t of leaving === undefined ? [this.#transports.active] : [this.#transports.active, leaving]) {
      const totals = t.totals();
      const before = this.#previous.get(t) ?? ZERO_TOTALS;
      this.#previous.set(t, totals);
      sum = addTotals(sum, {
        sent: totals.sent - before.sent,
        dropped: 0,
        thinned: 0,
        throttled: totals.throttled - before.throttled,
        failed: totals.failed - before.failed,
        gone: totals.gone - before.gone,
        publishes: totals.publishes - before.publishes,
      });
    }
    return sum;
  }
}
