/**
 * Live campaigns: the pure pieces other code may reuse (frames and their schemas, the tick
 * scheduler, the fan-out and its budget, shards, the transports, the signed post and publish
 * paths, when a campaign is on the air, the client protocol). The functions' entry points are
 * ./lambda.ts (WebSocket, HTTP, events, sweep), ./ticker-lambda.ts (the tick bursts) and
 * ./authorizer-lambda.ts (the Event API's authorizer); docs/broadcast.md explains the room.
 */

export { PostBudget, type PostBudgetOptions } from './budget.ts';
export { Burst, runBurst, successorOf } from './burst.ts';
export type { BurstOptions, BurstPorts } from './burst-ports.ts';
export { campaignOfChannel, channelOf, EVENTS_NAMESPACE } from './channels.ts';
export { type Clock, systemClock } from './clock.ts';
export { EventPublisher, type Publish, PublishError, type PublishResult } from './events-publish.ts';
export { EventsTransport } from './events-transport.ts';
export {
  type ConnectionTotals,
  FanOut,
  type FanOutOptions,
  type FanOutTotals,
  type PostResult,
  type PostToConnection,
  type TickStats,
} from './fanout.ts';
export * from './frame.ts';
export { type JoinInfo, joinInfo, transportFrame } from './join.ts';
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
export {
  type BroadcastPhase,
  broadcastPhase,
  type CampaignSnapshot,
  controlDecision,
  executionName,
  frequencyOf,
  tickerVerdict,
} from './phase.ts';
export { FixedWindowRateLimiter, type WindowCounterStore } from './rate-limit.ts';
export { runShardBurst, type ShardDeps, type ShardRunOptions } from './shard-burst.ts';
export { connectionsOfShard, shardCountFor, shardOf } from './shards.ts';
export { capToShare, PostingShare, type ShareLedger } from './share.ts';
export {
  PostError,
  regionOfEndpoint,
  SignedPoster,
  type SignedPosterOptions,
  signedPoster,
} from './signed-post.ts';
export { NodeSha256, PostSigner } from './sigv4.ts';
export { type BroadcastMode, broadcastModeOf, DEFAULT_HEARTBEAT_MS, TickFrames } from './tick-frames.ts';
export type { TickMetrics } from './tick-sender.ts';
export { effectiveHz, type RunTicksOptions, type RunTicksResult, runTicks, type Tick } from './ticker.ts';
export * from './transport.ts';
export { chooseTransport, type TransportSetting, transportSettingOf } from './transport-choice.ts';
export { WebsocketTransport } from './websocket-transport.ts';
