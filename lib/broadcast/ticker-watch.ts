/**
 * The reconcile triggers for a ticker that died without a campaign event (./controller.ts).
 */

import type { ReconcileOutcome } from './controller.ts';
import { broadcastPhase, type CampaignSnapshot, controlDecision } from './phase.ts';
import type { TickerItem } from './ticker-item.ts';
import type { RunningTickers } from './ticker-running.ts';
import type { TickerStore } from './ticker-state.ts';

/** What {@link TickerWatch} did. */
export type WatchOutcome = 'not_live' | 'alive' | 'checked_elsewhere' | ReconcileOutcome;

export interface TickerWatchDeps {
  tickers: Pick<TickerStore, 'get' | 'leaseCheck'>;
  running: Pick<RunningTickers, 'listRunning'>;
  reconcile: (campaignId: string, correlationId: string) => Promise<ReconcileOutcome[]>;
  now?: () => number;
  startLeadMs?: number;
  /** `alive_at` older than this is stale (default 3 s: about three missed beats). */
  staleMs?: number;
  /** One execution check per campaign per this long (default 5 s). */
  leaseMs?: number;
}

export const TICKER_STALE_MS = 3_000;
export const CHECK_LEASE_MS = 5_000;

/**
 * The reconcile triggers for a ticker that died without a campaign event (its execution
 * failed after its retries; locally, the emulator restarted and marked it FAILED):
 *
 * - {@link onConnect}: a client joining a campaign that should be on the air makes sure a
 *   ticker runs. Cheap when one does (one consistent read of the ticker item); when nobody
 *   owns the campaign, the controller's conditional claim lets one of many concurrent
 *   connects start it; when the owner's `alive_at` is stale, a conditional lease lets one
 *   connect per {@link CHECK_LEASE_MS} ask Step Functions (DescribeExecution is throttled per
 *   account) and hand a dead execution to the next generation.
 * - {@link sweep}, every minute (an EventBridge schedule): the same check for every ticker
 *   item that says `running`, for deaths nobody reconnects after (a ticker that died less
 *   than {@link TICKER_STALE_MS} before the last `$connect`, a campaign that ended meanwhile
 *   and still owes its `broadcast.stopped`).
 */
export class TickerWatch {
  private readonly now: () => number;

  constructor(private readonly deps: TickerWatchDeps) {
    this.now = deps.now ?? Date.now;
  }

  async onConnect(campaign: CampaignSnapshot, correlationId: string): Promise<WatchOutcome> {
    const now = this.now();
    const decision = controlDecision(broadcastPhase(campaign, now), now, this.deps.startLeadMs ?? 60_000);
    if (decision.action !== 'run') return 'not_live';
    const ticker = await this.deps.tickers.get(campaign.id);
    if (ticker?.status === 'running') return this.check(ticker, now, correlationId);
    return (await this.deps.reconcile(campaign.id, correlationId))[0] ?? 'idle';
  }

  /** Check every running ticker; resolves with what was done to those that were not alive. */
  async sweep(correlationId: string): Promise<Array<{ campaign_id: string; outcome: WatchOutcome }>> {
    const now = this.now();
    const done: Array<{ campaign_id: string; outcome: WatchOutcome }> = [];
    for (const ticker of await this.deps.running.listRunning()) {
      const outcome = await this.check(ticker, now, correlationId);
      if (outcome !== 'alive') done.push({ campaign_id: ticker.campaign_id, outcome });
    }
    return done;
  }

  private async check(
    ticker: Pick<TickerItem, 'campaign_id' | 'execution' | 'alive_at'>,
    now: number,
    correlationId: string,
  ): Promise<WatchOutcome> {
    if (now - ticker.alive_at < (this.deps.staleMs ?? TICKER_STALE_MS)) return 'alive';
    const lease = this.deps.leaseMs ?? CHECK_LEASE_MS;
    if (!(await this.deps.tickers.leaseCheck(ticker.campaign_id, ticker.execution, now, lease))) {
      return 'checked_elsewhere';
    }
    return (await this.deps.reconcile(ticker.campaign_id, correlationId))[0] ?? 'idle';
  }
}
