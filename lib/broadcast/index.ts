/**
 * WebSocket broadcast: a tick scheduler on an absolute schedule, a drop-on-busy fan-out
 * with bounded concurrency, the frame format, and the management API poster.
 */
export { type Clock, FakeClock, systemClock } from './clock.ts';
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
export {
  isGoneError,
  type ManagementApiOptions,
  managementApiClient,
  managementApiPoster,
  managementEndpoint,
  regionOfEndpoint,
} from './management-api.ts';
export { effectiveHz, type RunTicksOptions, type RunTicksResult, runTicks, type Tick } from './ticker.ts';
