/**
 * When is a campaign broadcasting? Pure decisions shared by the controller (campaign
 * events) and the ticker (which re-reads the campaign while it runs), so both always agree.
 *
 * A campaign broadcasts while it exists, is `active`, has feature `broadcast`,
 * `service_specific.campaign.broadcast_enabled` is `true`, and now ∈ [start_time, end_time)
 * (a missing bound is open). Its rate is `scheduling.frequency` (default 1 Hz, clamped to
 * the metadata maximum).
 */
import type { Metadata } from '../entity-metadata/index.ts';
import { effectiveHz } from './ticker.ts';

/** What the broadcaster reads of a campaign entity row. */
export interface CampaignSnapshot {
  id: string;
  state: string;
  metadata: Metadata;
}

/** Why a campaign is not broadcasting. */
export type OffReason = 'deleted' | 'inactive' | 'no_feature' | 'disabled' | 'ended';

export type BroadcastPhase =
  | { phase: 'live'; hz: number; endsAt: number | undefined }
  | { phase: 'upcoming'; hz: number; startsAt: number; endsAt: number | undefined }
  | { phase: 'off'; reason: OffReason };

/** Epoch ms of an RFC 3339 time, undefined when absent or unparsable. */
const instant = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
};

/** The broadcast frequency of a campaign's metadata, in Hz (default 1, clamped to the maximum). */
export function frequencyOf(metadata: Metadata | undefined): number {
  const f = metadata?.scheduling?.frequency;
  return effectiveHz(typeof f === 'number' ? f : Number.NaN);
}

/** Where a campaign stands at `nowMs` (epoch ms). `undefined` is a campaign that does not exist. */
export function broadcastPhase(campaign: CampaignSnapshot | undefined, nowMs: number): BroadcastPhase {
  if (campaign === undefined) return { phase: 'off', reason: 'deleted' };
  if (campaign.state !== 'active') return { phase: 'off', reason: 'inactive' };
  const m = campaign.metadata ?? {};
  if (!m.features?.includes('broadcast')) return { phase: 'off', reason: 'no_feature' };
  const ns = m.service_specific?.campaign as { broadcast_enabled?: unknown } | undefined;
  if (ns?.broadcast_enabled !== true) return { phase: 'off', reason: 'disabled' };
  const startsAt = instant(m.scheduling?.start_time);
  const endsAt = instant(m.scheduling?.end_time);
  if (endsAt !== undefined && nowMs >= endsAt) return { phase: 'off', reason: 'ended' };
  const hz = frequencyOf(m);
  if (startsAt !== undefined && nowMs < startsAt) return { phase: 'upcoming', hz, startsAt, endsAt };
  return { phase: 'live', hz, endsAt };
}

/** What the controller does about a campaign, given its phase. */
export type ControlDecision =
  /** Live, or starting within the lead: a ticker must run (it waits for start_time itself). */
  | { action: 'run' }
  /** Starting later than the lead: no ticker now, a scheduler intent fires `leadMs` before the start. */
  | { action: 'schedule'; runAt: string }
  | { action: 'stop'; reason: OffReason | 'not_started' };

/**
 * The controller's decision. `leadMs` is how early a ticker starts before start_time: the
 * scheduler fires within about a minute on AWS (~10 s on the emulator), so the intent is
 * set `leadMs` ahead and the ticker sleeps until start_time, which it then hits exactly.
 */
export function controlDecision(phase: BroadcastPhase, nowMs: number, leadMs: number): ControlDecision {
  if (phase.phase === 'off') return { action: 'stop', reason: phase.reason };
  if (phase.phase === 'live' || phase.startsAt - nowMs <= leadMs) return { action: 'run' };
  return { action: 'schedule', runAt: new Date(phase.startsAt - leadMs).toISOString() };
}

/** The ticker's own state item, as far as the decisions below need it. */
export interface TickerOwnership {
  status: 'running' | 'stopped';
  execution: string;
}

/** What a running tick burst does next. */
export type TickerVerdict =
  /** Another execution owns the campaign now (or nobody): end silently. */
  | { kind: 'superseded' }
  /** The controller stopped this execution: end, telling clients `broadcast.stopped`. */
  | { kind: 'stopped' }
  /** The campaign stopped broadcasting: record the stop (and its event), tell clients, end. */
  | { kind: 'stop'; reason: OffReason | 'not_started' }
  /** Not started yet (within the lead): sleep until `startsAt`. */
  | { kind: 'wait'; startsAt: number; hz: number }
  | { kind: 'live'; hz: number; endsAt: number | undefined };

/** The verdict of execution `me` over the latest campaign and ticker item it read. */
export function tickerVerdict(
  campaign: CampaignSnapshot | undefined,
  ticker: TickerOwnership | undefined,
  me: string,
  nowMs: number,
  leadMs: number,
): TickerVerdict {
  if (ticker === undefined || ticker.execution !== me) return { kind: 'superseded' };
  if (ticker.status !== 'running') return { kind: 'stopped' };
  const phase = broadcastPhase(campaign, nowMs);
  const decision = controlDecision(phase, nowMs, leadMs);
  if (decision.action === 'stop') return { kind: 'stop', reason: decision.reason };
  if (decision.action === 'schedule') return { kind: 'stop', reason: 'not_started' };
  if (phase.phase === 'upcoming') return { kind: 'wait', startsAt: phase.startsAt, hz: phase.hz };
  if (phase.phase === 'live') return { kind: 'live', hz: phase.hz, endsAt: phase.endsAt };
  return { kind: 'stop', reason: 'disabled' };
}

/**
 * Step Functions execution name of a campaign's ticker: deterministic per campaign, epoch
 * (one per broadcast run) and generation (a fresh execution before the history limit), so
 * that a repeated start is `ExecutionAlreadyExists`, never a second ticker. Names allow
 * 80 characters of `[A-Za-z0-9_-]`: a campaign id that does not fit is replaced by a digest.
 */
export function executionName(campaignId: string, epoch: number, generation: number): string {
  const id = /^[A-Za-z0-9_-]{1,56}$/.test(campaignId) ? campaignId : digest(campaignId);
  return `${id}-e${epoch}-g${generation}`;
}

/** Name of the execution that takes over from `input`'s (the next generation of the same run). */
export const successorOf = (input: { campaign_id: string; epoch: number; generation: number }): string =>
  executionName(input.campaign_id, input.epoch, input.generation + 1);

/** FNV-1a 64-bit, hex (stable, dependency-free; names need no cryptographic strength). */
function digest(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `h${h.toString(16).padStart(16, '0')}`;
}
