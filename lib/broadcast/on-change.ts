/**
 * Which frames a tick sends: one per tick (the contract's default), or, for a campaign whose
 * metadata says `service_specific.campaign.broadcast_mode: "on_change"`, only when the
 * payload changed since the last frame sent, plus a heartbeat (the unchanged payload with
 * `heartbeat: true`) once `heartbeatMs` (default 5 s) passed without a frame. A tick that
 * sends nothing still consumes its `seq`, so frames keep their place in the schedule (and
 * shards keep agreeing on it): in on-change mode a `seq` gap is not a lost frame.
 */
import type { Metadata } from '../metadata/index.ts';
import { type CampaignStatePayload, campaignStateFrame } from './frame.ts';

export type BroadcastMode = 'every_tick' | 'on_change';

/** Default longest time without a frame in on-change mode. */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/** The broadcast mode of a campaign's metadata (anything but `"on_change"` is the default). */
export function broadcastModeOf(metadata: Metadata | undefined): BroadcastMode {
  const campaign = (metadata?.service_specific as { campaign?: { broadcast_mode?: unknown } } | undefined)
    ?.campaign;
  return campaign?.broadcast_mode === 'on_change' ? 'on_change' : 'every_tick';
}

/** Builds each tick's frame, or nothing when on-change mode has nothing new to say. */
export class TickFrames {
  readonly #campaignId: string;
  readonly #heartbeatMs: number;
  #lastPayload: string | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  /** Ticks that sent nothing (on-change mode, payload unchanged). */
  unchanged = 0;
  /** Heartbeat frames sent. */
  heartbeats = 0;

  constructor(opts: { campaignId: string; heartbeatMs?: number }) {
    this.#campaignId = opts.campaignId;
    this.#heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /**
   * The frame of tick `seq`, or `undefined` to send none. `nowMs` is a monotonic clock (for
   * the heartbeat), `ts` the frame's wall-clock time.
   */
  frame(
    mode: BroadcastMode,
    seq: number,
    ts: number,
    payload: CampaignStatePayload,
    nowMs: number,
  ): string | undefined {
    if (mode === 'every_tick') {
      return campaignStateFrame({ campaignId: this.#campaignId, seq, ts, payload });
    }
    const key = JSON.stringify(payload);
    const changed = key !== this.#lastPayload;
    if (!changed && nowMs - this.#lastSentAt < this.#heartbeatMs) {
      this.unchanged += 1;
      return undefined;
    }
    this.#lastPayload = key;
    this.#lastSentAt = nowMs;
    if (changed) return campaignStateFrame({ campaignId: this.#campaignId, seq, ts, payload });
    this.heartbeats += 1;
    return campaignStateFrame({
      campaignId: this.#campaignId,
      seq,
      ts,
      payload: { ...payload, heartbeat: true },
    });
  }
}
