/**
 * Configuration of the broadcast Lambda, from its environment (set by
 * infra/constructs/broadcast.ts). Pure: tests pass an environment object.
 */
import * as z from 'zod/mini';
import { managementEndpointFor } from '../aws/management-endpoint.ts';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_START_LEAD_MS } from './burst.ts';
import { topNOf } from './leaderboard.ts';
import { MAX_INBOUND_BYTES } from './messages.ts';
import { DEFAULT_HEARTBEAT_MS } from './on-change.ts';

export interface BroadcastSettings {
  connectionsTable: string;
  stateTable: string;
  campaignTable: string;
  stateMachineArn: string;
  /** Management API endpoint of the WebSocket stage (`PostToConnection`). */
  managementEndpoint: string;
  /** Leaderboard entries per frame. */
  topN: number;
  /** Inbound messages allowed per connection and second. */
  rateLimitPerSecond: number;
  /** Largest inbound message, in bytes. */
  maxMessageBytes: number;
  /** Length of one tick burst, in ms. */
  burstMs: number;
  /** Bursts per execution before a fresh one takes over. */
  maxIterations: number;
  /** Fan-out concurrency (posts in flight, and sockets). */
  concurrency: number;
  /** How long before start_time a ticker starts. */
  startLeadMs: number;
  /** Posts per second one broadcaster (one shard) may make. */
  postsPerSecond: number;
  /** Most connections one broadcaster serves (fewer when the budget would not cover them at the campaign's Hz). */
  connectionsPerShard: number;
  /** Longest time without a frame in on-change mode, in ms. */
  heartbeatMs: number;
}

/** Posts in flight per broadcaster (sockets of its agent). */
export const DEFAULT_CONCURRENCY = 256;
/** Posts per second one broadcaster may make (half the account's 10,000/s API Gateway quota). */
export const DEFAULT_POST_BUDGET = 5_000;
/**
 * Most connections per shard. A shard also serves no more than its budget covers at the
 * campaign's frequency (`connectionsPerShardAt`): 500 at 10 Hz, 1,000 at 5 Hz and below.
 */
export const DEFAULT_CONNECTIONS_PER_SHARD = 1_000;

const int = (fallback: number, min: number, max: number) =>
  z._default(z.optional(z.coerce.number().check(z.int(), z.gte(min), z.lte(max))), fallback);

const envSchema = z.object({
  CONNECTIONS_TABLE: z.string().check(z.minLength(1)),
  STATE_TABLE: z.string().check(z.minLength(1)),
  CAMPAIGN_TABLE: z.string().check(z.minLength(1)),
  STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
  WS_API_ID: z.string().check(z.regex(/^[A-Za-z0-9]+$/)),
  WS_STAGE: z.string().check(z.minLength(1)),
  WS_MANAGEMENT_ENDPOINT: z.optional(z.string()),
  AWS_ENDPOINT_URL: z.optional(z.string()),
  LEADERBOARD_TOP_N: z.optional(z.string()),
  WS_RATE_LIMIT_PER_SEC: int(100, 1, 10_000),
  WS_MAX_MESSAGE_BYTES: int(MAX_INBOUND_BYTES, 64, 32_768),
  TICK_BURST_SECONDS: int(60, 1, 840),
  TICKER_MAX_ITERATIONS: int(DEFAULT_MAX_ITERATIONS, 1, 3000),
  FANOUT_CONCURRENCY: int(DEFAULT_CONCURRENCY, 1, 1024),
  START_LEAD_SECONDS: int(DEFAULT_START_LEAD_MS / 1000, 0, 3600),
  POST_BUDGET_PER_SEC: int(DEFAULT_POST_BUDGET, 1, 10_000),
  CONNECTIONS_PER_SHARD: int(DEFAULT_CONNECTIONS_PER_SHARD, 1, 100_000),
  ON_CHANGE_HEARTBEAT_SECONDS: int(DEFAULT_HEARTBEAT_MS / 1000, 1, 540),
});

export function loadBroadcastSettings(env: NodeJS.ProcessEnv = process.env): BroadcastSettings {
  const e = envSchema.parse(env);
  return {
    connectionsTable: e.CONNECTIONS_TABLE,
    stateTable: e.STATE_TABLE,
    campaignTable: e.CAMPAIGN_TABLE,
    stateMachineArn: e.STATE_MACHINE_ARN,
    managementEndpoint: managementEndpointFor(e),
    topN: topNOf(e.LEADERBOARD_TOP_N),
    rateLimitPerSecond: e.WS_RATE_LIMIT_PER_SEC,
    maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
    burstMs: e.TICK_BURST_SECONDS * 1000,
    maxIterations: e.TICKER_MAX_ITERATIONS,
    concurrency: e.FANOUT_CONCURRENCY,
    startLeadMs: e.START_LEAD_SECONDS * 1000,
    postsPerSecond: e.POST_BUDGET_PER_SEC,
    connectionsPerShard: e.CONNECTIONS_PER_SHARD,
    heartbeatMs: e.ON_CHANGE_HEARTBEAT_SECONDS * 1000,
  };
}
