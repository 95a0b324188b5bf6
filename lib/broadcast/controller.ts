/**
 * The broadcast controller: on every campaign event (created, updated, deleted) and on the
 * scheduler's `pattern.run` of `broadcast.start`, it re-reads the campaign and makes the
 * ticker match it. It never trusts the event's copy of the metadata (events may arrive late
 * or twice), so every call is an idempotent reconcile:
 *
 * - should run (live, or starting within the lead) and no ticker → claim a new epoch in the
 *   ticker item (conditional write), then StartExecution under the epoch's deterministic
 *   name: a repeated or concurrent call either loses the claim or gets ExecutionAlreadyExists;
 * - should run and the item says running → check the execution; if it vanished or died
 *   (failed after its retries, stopped by hand), start the next generation of the same epoch;
 * - should not run and a ticker runs → running → stopped (conditional, with
 *   `broadcast.stopped` if the run had started), then StopExecution. The burst in flight
 *   sees the item within a refresh, sends the `broadcast.stopped` frame and ends;
 * - starts later than the lead → a `scheduler.schedule` intent (`run_pattern`
 *   `broadcast.start`, at start_time − lead), unless the campaign already shows that intent.
 *
 * The end_time edge needs no event: the ticker stops itself exactly at end_time.
 *
 * A ticker can also die without any campaign event (its execution failed after its retries;
 * locally, the emulator restarted and marked it FAILED). `TickerWatch` (./ticker-watch.ts) is
 * the trigger for that case.
 */
import type { EventEnvelope } from '../events/envelope.ts';
import type { CampaignReader } from './campaigns.ts';
import { broadcastEnvelope, START_PATTERN, startIntentEnvelope } from './events.ts';
import type { TickerMachine, TickInput } from './machine.ts';
import {
  broadcastPhase,
  type CampaignSnapshot,
  controlDecision,
  executionName,
  frequencyOf,
} from './phase.ts';
import { ALIVE_EVERY_MS, type TickerItem } from './ticker-item.ts';
import type { TickerStore } from './ticker-state.ts';

export type ReconcileOutcome =
  | 'running'
  | 'started'
  | 'restarted'
  | 'raced'
  | 'stopped'
  | 'idle'
  | 'scheduled'
  | 'already_scheduled';

export interface ControllerDeps {
  campaigns: CampaignReader;
  tickers: Pick<TickerStore, 'get' | 'claim' | 'stop' | 'handoff'>;
  machine: TickerMachine;
  /** Publish events through the outbox. */
  emit: (envelopes: EventEnvelope[]) => Promise<void>;
  /** Send `broadcast.stopped` to a campaign's clients when no ticker is left to do it. */
  notifyStopped: (campaignId: string) => Promise<void>;
  environment: string;
  now?: () => number;
  /** How long before start_time a ticker starts (default 60 s). */
  startLeadMs?: number;
}

/** The `broadcast.stopped` event of a run. */
export function stoppedEnvelope(
  environment: string,
  item: TickerItem,
  reason: string,
  correlationId: string,
  lastSeq?: number,
): EventEnvelope {
  return broadcastEnvelope({
    type: 'broadcast.stopped',
    environment,
    campaignId: item.campaign_id,
    version: item.epoch,
    correlationId,
    payload: {
      epoch: item.epoch,
      reason,
      execution: item.execution,
      ...(item.started_at ? { started_at: item.started_at } : {}),
      last_seq: Math.max(item.seq, lastSeq ?? 0),
    },
  });
}

/**
 * Sequence numbers a replacement skips after a dead execution: frames it may have sent after
 * its last `alive` write (≤ {@link ALIVE_EVERY_MS} plus a refresh), so a client's `seq` still
 * only increases across the restart.
 */
export const seqSkipAfterDeath = (hz: number): number => Math.ceil(hz * ((2 * ALIVE_EVERY_MS) / 1000)) + 1;

/** Input of the first burst of an execution named in the ticker item. */
export function firstInput(item: TickerItem): TickInput {
  return {
    kind: 'broadcast.tick',
    campaign_id: item.campaign_id,
    execution: item.execution,
    epoch: item.epoch,
    generation: item.generation,
    seq: item.seq + 1,
    iterations: 0,
    announced: item.started_at !== undefined,
  };
}

export class BroadcastController {
  private readonly now: () => number;
  private readonly leadMs: number;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.leadMs = deps.startLeadMs ?? 60_000;
  }

  /** Make the campaign's ticker match the campaign as it is now. */
  async reconcile(campaignId: string, correlationId: string): Promise<ReconcileOutcome[]> {
    const campaign = await this.deps.campaigns.get(campaignId, true);
    const now = this.now();
    const decision = controlDecision(broadcastPhase(campaign, now), now, this.leadMs);
    const ticker = await this.deps.tickers.get(campaignId);
    if (decision.action === 'run') {
      return [await this.ensureRunning(campaignId, ticker, frequencyOf(campaign?.metadata))];
    }
    const outcomes = [
      await this.ensureStopped(
        ticker,
        decision.action === 'stop' ? decision.reason : 'not_started',
        correlationId,
      ),
    ];
    if (decision.action === 'schedule' && campaign) {
      outcomes.push(await this.scheduleStart(campaign, decision.runAt, correlationId));
    }
    return outcomes;
  }

  private async ensureRunning(
    campaignId: string,
    ticker: TickerItem | undefined,
    hz: number,
  ): Promise<ReconcileOutcome> {
    const { tickers, machine } = this.deps;
    if (ticker?.status === 'running') {
      const status = await machine.status(ticker.execution);
      if (status === 'RUNNING') return 'running';
      if (status === 'MISSING') {
        // Claimed, but the start did not happen (a failed call, now retried).
        await machine.start(ticker.execution, firstInput(ticker));
        return 'started';
      }
      // The execution ended without handing over: the next generation of the same run, its
      // seq above anything the dead one may have sent since it last saved its seq.
      const next = {
        execution: executionName(campaignId, ticker.epoch, ticker.generation + 1),
        generation: ticker.generation + 1,
      };
      const seq = ticker.seq + seqSkipAfterDeath(hz) - 1;
      if (!(await tickers.handoff(campaignId, ticker.execution, next, seq))) return 'raced';
      await machine.start(next.execution, firstInput({ ...ticker, ...next, seq }));
      return 'restarted';
    }
    const epoch = (ticker?.epoch ?? 0) + 1;
    const execution = executionName(campaignId, epoch, 0);
    if (!(await tickers.claim(campaignId, ticker, { epoch, execution }))) return 'raced';
    await machine.start(
      execution,
      firstInput({
        campaign_id: campaignId,
        status: 'running',
        epoch,
        generation: 0,
        execution,
        seq: ticker?.seq ?? 0,
        alive_at: 0,
        updated_at: '',
      }),
    );
    return 'started';
  }

  private async ensureStopped(
    ticker: TickerItem | undefined,
    reason: string,
    correlationId: string,
  ): Promise<ReconcileOutcome> {
    if (ticker?.status !== 'running') return 'idle';
    const { environment } = this.deps;
    const { stopped, item } = await this.deps.tickers.stop(
      ticker.campaign_id,
      ticker.execution,
      reason,
      (i) => stoppedEnvelope(environment, i, reason, correlationId),
    );
    if (!stopped) return 'raced';
    const r = await this.deps.machine.stop(ticker.execution, `campaign ${ticker.campaign_id}: ${reason}`);
    // No burst is running to tell the clients: tell them here.
    if (r === 'not_running' && item?.started_at) await this.deps.notifyStopped(ticker.campaign_id);
    return 'stopped';
  }

  private async scheduleStart(
    campaign: CampaignSnapshot,
    runAt: string,
    correlationId: string,
  ): Promise<ReconcileOutcome> {
    const intents = (campaign.metadata.scheduling?.intents ?? []) as Array<Record<string, unknown>>;
    const present = intents.some(
      (i) => i.pattern === START_PATTERN && i.status === 'scheduled' && i.run_at === runAt,
    );
    if (present) return 'already_scheduled';
    await this.deps.emit([
      startIntentEnvelope({
        environment: this.deps.environment,
        campaignId: campaign.id,
        runAt,
        startsAt: new Date(Date.parse(runAt) + this.leadMs).toISOString(),
        correlationId,
      }),
    ]);
    return 'scheduled';
  }
}
