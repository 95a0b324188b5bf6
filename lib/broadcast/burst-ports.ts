/**
 * What a tick burst needs from the world, built once per process by the ticker's wiring
 * (./ticker-wiring.ts) and faked in unit tests: the reads (./live-state.ts), the ticker item's
 * writes, the shard executions (./shard-plan.ts), the two transports' I/O (a post per
 * connection, a publish per channel), the account's posting share, and where clients join.
 */
import type { Clock } from './clock.ts';
import type { Publish } from './events-publish.ts';
import type { PostToConnection } from './fanout.ts';
import type { JoinInfo } from './join.ts';
import type { LiveSources } from './live-state.ts';
import type { TickInput } from './machine.ts';
import type { OffReason } from './phase.ts';
import type { ShardBeat, ShardOptions, ShardPorts } from './shard-plan.ts';
import type { PostingShare } from './share.ts';
import type { BroadcastLog, TickMetrics } from './tick-sender.ts';
import type { TickerTransport } from './ticker-item.ts';
import type { TransportKind } from './transport.ts';

export interface BurstPorts extends LiveSources, ShardPorts {
  clock: Clock;
  /** Wall clock, epoch ms (frames' `ts`, start/end times). */
  wallNow: () => number;
  log: BroadcastLog;
  /** One frame to one WebSocket connection. */
  post: PostToConnection;
  /** One publish to an Event API channel; absent when the stack has no Event API. */
  publish?: Publish;
  /** Where clients join the campaign on `transport` (the `campaign.transport` frame carries it). */
  join: (campaignId: string, transport: TransportKind) => JoinInfo;
  /** A broadcaster's view of the account's posting share (one per burst); absent: no share. */
  share?: () => PostingShare;
  /** Record the run's first live tick, with its `broadcast.started` event (once per epoch). */
  markStarted: (input: TickInput, hz: number) => Promise<unknown>;
  /** running → stopped for this execution, with `broadcast.stopped` if the run had started. */
  stopSelf: (input: TickInput, reason: OffReason | 'not_started', lastSeq: number) => Promise<unknown>;
  /** Remember the last sequence number sent. */
  saveSeq: (input: TickInput, lastSeq: number) => Promise<unknown>;
  /** The execution's sign of life with the last seq sent, about every second. */
  alive?: (input: TickInput, lastSeq: number, at: number) => Promise<unknown>;
  /** Record the transport the run uses from now on (what `/live` answers and shards follow). */
  setTransport?: (input: TickInput, transport: TickerTransport) => Promise<unknown>;
  /** Hand the campaign to the next generation's execution and start it (idempotent). */
  handoff: (input: TickInput, successor: string, nextSeq: number) => Promise<unknown>;
  /** A shard's last heartbeat (re-exported for the shard executions). */
  readBeat?: (campaignId: string, shard: number) => Promise<ShardBeat | undefined>;
  onTick?: (m: TickMetrics) => void;
  /** Called about every refresh (flush buffered metrics). */
  onRefresh?: () => void;
}

export interface BurstOptions extends ShardOptions {
  /** How long this burst may tick, in ms. */
  budgetMs: number;
  /** Campaign, ticker item and leaderboard re-read period (default 500 ms; at most 1000). */
  refreshMs?: number;
  /** Bursts per execution before handing off to a fresh one (default 1000). */
  maxIterations?: number;
  /** How long before start_time a ticker may already run (default 60 s). */
  startLeadMs?: number;
  /** Fan-out concurrency (default 128). */
  concurrency?: number;
  /** Longest time without a frame in on-change mode (default 5 s). */
  heartbeatMs?: number;
  /** `auto` campaigns go `events` above this many posts per second (default: never). */
  autoEventsPostsPerSec?: number;
}

export const DEFAULT_MAX_ITERATIONS = 1000;
export const DEFAULT_START_LEAD_MS = 60_000;
