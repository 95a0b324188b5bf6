/**
 * WebSocket broadcast: a tick scheduler on an absolute schedule, a drop-on-busy fan-out
 * with bounded concurrency, the frame format, and the management API poster; plus the
 * pure pieces of the live-campaign service (when a campaign is on the air, the client
 * protocol, the rate limiter, leaderboard ranking). The Lambda is lib/broadcast/lambda.ts;
 * see docs/broadcast.md.
 */

export { PostBudget, type PostBudgetOptions } from './budget.ts';
export { type BurstDeps, type BurstOptions, runBurst } from './burst.ts';
export { type Clock, FakeClock, systemClock } from './clock.ts';
export {
  type AwsCredentials,
  type CredentialSource,
  fromEnvironment,
  RefreshingCredentials,
} from './credentials.ts';
export {
  type ConnectionTotals,
  FanOut,
  type FanOutOptions,
  type FanOutTotals,
  type PostResult,
  type PostToConnection,
  type TickStats,
} from './fanout.ts';
export {
  type BroadcastNotice,
  broadcastNotice,
  broadcastNoticeSchema,
  type CampaignStateFrame,
  type CampaignStatePayload,
  campaignStateFrame,
  campaignStateFrameSchema,
  campaignStatePayloadSchema,
  type LeaderboardEntry,
  leaderboardEntrySchema,
  parseCampaignStateFrame,
  rfc3339Of,
  type Timestamp,
} from './frame.ts';
export { rankTop } from './leaderboard.ts';
export type { TickInput, TickOutput } from './machine.ts';
export {
  type ClientMessage,
  type ErrorCode,
  errorFrame,
  errorFrameSchema,
  MAX_INBOUND_BYTES,
  parseClientMessage,
  pongFrame,
  pongFrameSchema,
  scoreFrame,
  scoreFrameSchema,
} from './messages.ts';
export { type BroadcastMode, broadcastModeOf, DEFAULT_HEARTBEAT_MS, TickFrames } from './on-change.ts';
export {
  type BroadcastPhase,
  broadcastPhase,
  type CampaignSnapshot,
  controlDecision,
  executionName,
  frequencyOf,
  tickerVerdict,
} from './phase.ts';
export { FixedWindowRateLimiter, MemoryWindowStore, type WindowCounterStore } from './rate-limit.ts';
export { runShardBurst, type ShardDeps, type ShardOptions } from './shard-burst.ts';
export { connectionsOfShard, shardCountFor, shardOf } from './shards.ts';
export {
  PostError,
  PostSigner,
  regionOfEndpoint,
  SignedPoster,
  type SignedPosterOptions,
  signedPoster,
} from './signed-post.ts';
export type { TickMetrics } from './tick-sender.ts';
export { effectiveHz, type RunTicksOptions, type RunTicksResult, runTicks, type Tick } from './ticker.ts';
