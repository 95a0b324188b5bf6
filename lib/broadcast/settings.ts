/**
 * Configuration of the broadcast Lambda, from its environment (set by
 * infra/constructs/broadcast.ts). Pure: tests pass an environment object.
 */
import * as z from 'zod';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_START_LEAD_MS } from './burst.ts';
import { topNOf } from './leaderboard.ts';
import { MAX_INBOUND_BYTES } from './messages.ts';

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
}

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

const envSchema = z.object({
  CONNECTIONS_TABLE: z.string().min(1),
  STATE_TABLE: z.string().min(1),
  CAMPAIGN_TABLE: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  WS_API_ID: z.string().regex(/^[A-Za-z0-9]+$/),
  WS_STAGE: z.string().min(1),
  WS_MANAGEMENT_ENDPOINT: z.string().optional(),
  AWS_ENDPOINT_URL: z.string().optional(),
  LEADERBOARD_TOP_N: z.string().optional(),
  WS_RATE_LIMIT_PER_SEC: int(100, 1, 10_000),
  WS_MAX_MESSAGE_BYTES: int(MAX_INBOUND_BYTES, 64, 32_768),
  TICK_BURST_SECONDS: int(60, 1, 840),
  TICKER_MAX_ITERATIONS: int(DEFAULT_MAX_ITERATIONS, 1, 3000),
  FANOUT_CONCURRENCY: int(128, 1, 1024),
  START_LEAD_SECONDS: int(DEFAULT_START_LEAD_MS / 1000, 0, 3600),
});

/**
 * The management API endpoint inside a Lambda. On AWS it is `https://<domain>/<stage>`,
 * injected as `WS_MANAGEMENT_ENDPOINT`. On an emulator (the Lambda runs with
 * `AWS_ENDPOINT_URL`, as every SDK client here does) it is
 * `<AWS_ENDPOINT_URL>/_aws/execute-api/<apiId>/<stage>`.
 */
export function managementEndpointFor(env: {
  AWS_ENDPOINT_URL?: string | undefined;
  WS_API_ID: string;
  WS_STAGE: string;
  WS_MANAGEMENT_ENDPOINT?: string | undefined;
}): string {
  if (env.AWS_ENDPOINT_URL) {
    const base = env.AWS_ENDPOINT_URL.replace(/\/+$/, '');
    return `${base}/_aws/execute-api/${env.WS_API_ID}/${encodeURIComponent(env.WS_STAGE).replace(/%24/g, '$')}`;
  }
  if (!env.WS_MANAGEMENT_ENDPOINT) throw new Error('WS_MANAGEMENT_ENDPOINT is not configured');
  return env.WS_MANAGEMENT_ENDPOINT.replace(/\/+$/, '');
}

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
  };
}
