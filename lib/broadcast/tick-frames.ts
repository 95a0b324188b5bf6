/**
 * Which frames a tick sends: one per tick (the contract's default), or, for a campaign whose
 * metadata says `service_specific.campaign.broadcast_mode: "on_change"`, only when the
 * payload changed since the last frame sent, plus a heartbeat (the unchanged payload with
 * `heartbeat: true`) once `heartbeatMs` (default 5 s) passed without a frame. A tick that
 * sends nothing still consumes its `seq`, so frames keep their place in the schedule (and
 * shards keep agreeing on it): in on-change mode a `seq` gap is not a lost frame.
 */
import type { Metadata } from '../entity-metadata/index.ts';
import { leaderboardDelta } from './delta.ts';
import { type CampaignStatePayload, campaignDeltaFrame, campaignStateFrame } from './frame.ts';
import type { OutFrame } from './transport.ts';

export type BroadcastMode = 'every_tick' | 'on_change';

/** Default longest time without a frame in on-change mode. */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/** The broadcast mode of a campaign's metadata (anything but `"on_change"` is the default). */
export function broadcastModeOf(metadata: Metadata | undefined): BroadcastMode {
  const campaign = (metadata?.service_specific as { campaign?: { broadcast_mode?: unknown } } | undefined)
    ?.campaign;
  return campaign?.broadcast_mode === 'on_change' ? 'on_change' : 'every_tick';
}

/** How often a delta client gets a full frame anyway (every K frames), by default. */
export const DEFAULT_DELTA_EVERY = 20;

/** `service_specific.campaign.delta_every`: a full frame to delta clients every K frames (1: always full). */
export function deltaEveryOf(metadata: Metadata | undefined): number {
  const k = (metadata?.service_specific as { campaign?: { delta_every?: unknown } } | undefined)?.campaign
    ?.delta_every;
  return typeof k === 'number' && Number.isInteger(k) && k >= 1 ? k : DEFAULT_DELTA_EVERY;
}

/** `service_specific.campaign.delta_channel: true`: the events transport also publishes deltas on `/campaigns/<id>/delta`. */
export function deltaChannelOf(metadata: Metadata | undefined): boolean {
  return (
    (metadata?.service_specific as { campaign?: { delta_channel?: unknown } } | undefined)?.campaign
      ?.delta_channel === true
  );
}

/**
 * Builds each tick's frame — the full `campaign.state` text, and the same tick as a
 * `campaign.delta` against the previous frame for clients that opted in (none for the first
 * frame, and every `deltaEvery`-th frame, when those clients get the full one) — or nothing when
 * on-change mode has nothing new to say.
 */
export class TickFrames {
  readonly #campaignId: string;
  readonly #heartbeatMs: number;
  #lastPayload: string | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #previous: { seq: number; payload: CampaignStatePayload } | undefined;
  #sent = 0;
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
    deltaEvery: number = DEFAULT_DELTA_EVERY,
  ): OutFrame | undefined {
    if (mode === 'on_change') {
      const key = JSON.stringify(payload);
      const changed = key !== this.#lastPayload;
      if (!changed && nowMs - this.#lastSentAt < this.#heartbeatMs) {
        this.unchanged += 1;
        return undefined;
      }
      this.#lastPayload = key;
      this.#lastSentAt = nowMs;
      if (!changed) {
        this.heartbeats += 1;
        return this.#out(seq, ts, { ...payload, heartbeat: true }, deltaEvery);
      }
    }
    return this.#out(seq, ts, payload, deltaEvery);
  }

  #out(seq: number, ts: number, payload: CampaignStatePayload, deltaEvery: number): OutFrame {
    const id = this.#campaignId;
    const text = campaignStateFrame({ campaignId: id, seq, ts, payload });
    const previous = this.#previous;
    this.#previous = { seq, payload };
    this.#sent += 1;
    if (previous === undefined || this.#sent % Math.max(1, deltaEvery) === 0) return { seq, text };
    const { leaderboard, ...rest } = payload;
    const { removed, rows } = leaderboardDelta(previous.payload.leaderboard, leaderboard);
    const delta = campaignDeltaFrame({
      campaignId: id,
      seq,
      baseSeq: previous.seq,
      ts,
      payload: { ...rest, removed, rows },
    });
    return { seq, text, delta };
  }
}
