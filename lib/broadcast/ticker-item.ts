/**
 * The ticker item of a campaign, in the broadcast state table: which Step Functions
 * execution owns the campaign's ticks.
 *   { campaign_id, sk: "ticker", status: running | stopped, epoch, generation, execution,
 *     seq, started_at?, stopped_at?, stop_reason?, updated_at }
 * - epoch: one per broadcast run (stop → start is a new epoch);
 * - generation: executions within an epoch (a fresh one before the history limit);
 * - execution: the name of the one execution allowed to tick. Every transition is a
 *   conditional write on it, so two executions can never both own a campaign: a burst that
 *   finds another name (or `stopped`) ends itself within one refresh.
 * - started_at: set by the ticker at its first live tick (with `broadcast.started`);
 *   `broadcast.stopped` is emitted only for a run that started, by whoever wins the
 *   running → stopped write.
 * - seq: the last frame sequence number sent, so the next run continues above it.
 * - alive_at: the owning execution's last sign of life (epoch ms), written with `seq` about
 *   every second by its bursts (and set by the claim and every handoff, so a starting
 *   execution gets a grace period). A stale `alive_at` is what makes a WebSocket `$connect`
 *   check the execution and restart a dead ticker (controller.ts, `TickerWatch`).
 * - checked_at: when a `$connect` last won the right to check the execution (one check per
 *   campaign per lease, however many clients reconnect at once).
 * - start_pending: set with `execution` by the claim and every handoff, which write the item
 *   before `StartExecution`; removed by the execution's first sign of life. While it is set the
 *   item names an execution that may not exist yet (its start is in flight, or failed and is
 *   retried by the next check: TickerWatch finds `alive_at` stale and the execution missing).
 * - transport, transport_seq, transport_at: the transport the run's frames take (set by the
 *   owning burst when it chooses or switches; removed by the next claim).
 */
import type { TransportKind } from './transport.ts';

export const TICKER_SK = 'ticker';

// The sparse index of running tickers (the sweep's list) is declared in ./contract-tables.ts: a
// ticker item carries RUNNING_ATTRIBUTE only while it is running, so the index holds exactly
// those items, keys only (the heartbeat rewrites the attribute's unchanged value).

/** How often a burst writes its `alive_at` (and `seq`) to the ticker item. */
export const ALIVE_EVERY_MS = 1_000;

export interface TickerItem {
  campaign_id: string;
  status: 'running' | 'stopped';
  epoch: number;
  generation: number;
  execution: string;
  seq: number;
  started_at?: string;
  stopped_at?: string;
  stop_reason?: string;
  /** Last sign of life of the owning execution, epoch ms (0 when never written). */
  alive_at: number;
  updated_at: string;
  /** True while the named execution's start is not confirmed by its first sign of life. */
  start_pending?: true;
  /** The transport this run's frames take, from frame `seq` on, since `at` (epoch ms). */
  transport?: TickerTransport;
}

/** The transport a running broadcast uses (written by its owner when it chooses or switches). */
export interface TickerTransport {
  kind: TransportKind;
  /** First frame sequence number sent on it. */
  seq: number;
  /** When the owner switched, epoch ms. */
  at: number;
}

/** The item's key. */
export const tickerKey = (campaignId: string) => ({ campaign_id: campaignId, sk: TICKER_SK });

/** A ticker item as read from the table. */
export function parseTickerItem(i: Record<string, unknown>): TickerItem {
  return {
    campaign_id: String(i.campaign_id),
    status: i.status === 'running' ? 'running' : 'stopped',
    epoch: Number(i.epoch ?? 0),
    generation: Number(i.generation ?? 0),
    execution: String(i.execution ?? ''),
    seq: Number(i.seq ?? 0),
    ...(typeof i.started_at === 'string' ? { started_at: i.started_at } : {}),
    ...(typeof i.stopped_at === 'string' ? { stopped_at: i.stopped_at } : {}),
    ...(typeof i.stop_reason === 'string' ? { stop_reason: i.stop_reason } : {}),
    alive_at: Number(i.alive_at ?? 0),
    updated_at: String(i.updated_at ?? ''),
    ...(i.start_pending === true ? { start_pending: true as const } : {}),
    ...(i.transport === 'websocket' || i.transport === 'events'
      ? {
          transport: {
            kind: i.transport,
            seq: Number(i.transport_seq ?? 0),
            at: Number(i.transport_at ?? 0),
          },
        }
      : {}),
  };
}
