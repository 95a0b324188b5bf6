/**
 * The variables of the live-campaign functions (lib/broadcast), declared once here beside the
 * platform's (./env.ts): a module of their own, so that only the broadcast functions bundle them.
 */
import * as z from 'zod/mini';
import { required, text, withDefault } from './env.ts';

/** An integer in [min, max], `fallback` when unset. */
const int = (fallback: number, min: number, max: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), fallback);
/** A share in (0, 1], `fallback` when unset. */
const share = (fallback: number) => z._default(z.coerce.number().check(z.gt(0), z.lte(1)), fallback);
/** Defaults of the live-campaign variables (lib/broadcast reads them; the bench measures at them). */
export const BROADCAST_DEFAULTS = {
  /** Posts in flight per broadcaster. */
  concurrency: 256,
  /** Posts per second one broadcaster (one shard) may make: half the account's 10,000/s. */
  postsPerSecond: 5_000,
  /** Most connections per shard (fewer when the budget would not cover them at the campaign's Hz). */
  connectionsPerShard: 1_000,
  accountPostQuota: 10_000,
  accountPostShare: 0.5,
  autoEventsShare: 0.5,
} as const;

/** Every variable a live-campaign function reads, by the name lib/ uses for it. */
export const LIVE_VARS = {
  campaignTable: required('CAMPAIGN_TABLE', text),
  connectionsTable: required('CONNECTIONS_TABLE', text),
  broadcastStateTable: required('STATE_TABLE', text),
  stateMachineArn: required('STATE_MACHINE_ARN', z.string().check(z.startsWith('arn:'))),
  /** `https://<api>.execute-api.<region>.amazonaws.com/<stage>` (the emulator's form is derived). */
  webSocketManagementEndpoint: required('WS_MANAGEMENT_ENDPOINT', text),
  /** Leaderboard rows per frame (1-100). */
  topN: withDefault('LEADERBOARD_TOP_N', int(10, 1, 100)),
  /** Inbound WebSocket messages per connection and second. */
  wsRateLimitPerSec: withDefault('WS_RATE_LIMIT_PER_SEC', int(100, 1, 10_000)),
  /** Largest inbound WebSocket message, in bytes. */
  wsMaxMessageBytes: withDefault('WS_MAX_MESSAGE_BYTES', int(4096, 64, 32_768)),
  /** Length of one tick burst (one ticker Task invocation). */
  tickBurstSeconds: withDefault('TICK_BURST_SECONDS', int(60, 1, 840)),
  /** Bursts per ticker execution before a fresh one takes over (history limit). */
  tickerMaxIterations: withDefault('TICKER_MAX_ITERATIONS', int(1000, 1, 3000)),
  /** Posts in flight per broadcaster (sockets of its HTTP client). */
  fanoutConcurrency: withDefault('FANOUT_CONCURRENCY', int(BROADCAST_DEFAULTS.concurrency, 1, 1024)),
  /** How long before start_time a ticker starts. */
  startLeadSeconds: withDefault('START_LEAD_SECONDS', int(60, 0, 3600)),
  /** PostToConnection calls per second one broadcaster (one shard) may make. */
  postBudgetPerSec: withDefault('POST_BUDGET_PER_SEC', int(BROADCAST_DEFAULTS.postsPerSecond, 1, 10_000)),
  /** Connections one broadcaster serves before a campaign is sharded. */
  connectionsPerShard: withDefault(
    'CONNECTIONS_PER_SHARD',
    int(BROADCAST_DEFAULTS.connectionsPerShard, 1, 100_000),
  ),
  /** Longest time without a frame in on-change mode. */
  onChangeHeartbeatSeconds: withDefault('ON_CHANGE_HEARTBEAT_SECONDS', int(5, 1, 540)),
  /** The account's API Gateway request quota per second in the region (10,000 by default). */
  accountPostQuota: withDefault('ACCOUNT_POST_QUOTA', int(BROADCAST_DEFAULTS.accountPostQuota, 1, 1_000_000)),
  /** Share of that quota every broadcaster together may post (0, 1]. */
  accountPostShare: withDefault('ACCOUNT_POST_SHARE', share(BROADCAST_DEFAULTS.accountPostShare)),
  /** `auto` transport: a campaign goes `events` above this share of the account posting budget. */
  autoEventsShare: withDefault('AUTO_EVENTS_SHARE', share(BROADCAST_DEFAULTS.autoEventsShare)),
  /** The AppSync Event API of live campaigns ('' or unset: the events transport is not available). */
  eventsApiId: withDefault('EVENTS_API_ID', z._default(z.string(), '')),
  /** Its HTTP host, `<id>.appsync-api.<region>.amazonaws.com` (publish, and the auth header's `host`). */
  eventsHttpDns: withDefault('EVENTS_HTTP_DNS', z._default(z.string(), '')),
  /** Its realtime host, `<id>.appsync-realtime-api.<region>.amazonaws.com`. */
  eventsRealtimeDns: withDefault('EVENTS_REALTIME_DNS', z._default(z.string(), '')),
} as const;
