/**
 * Settings of the broadcast functions, from their environment schemas (lib/config/functions.ts:
 * `broadcastEnv`, `tickerEnv`; the variables are declared once in lib/config/env.ts, read
 * lazily, and infra writes them from the same declarations). Endpoints come from
 * lib/aws/live-endpoints.ts, the one place that knows the emulator's forms.
 */
import {
  clientWebSocketUrl,
  type EventApiEndpoints,
  eventApiEndpoints,
  managementEndpointFor,
} from '../aws/live-endpoints.ts';
import type { EnvSource } from '../config/env.ts';
import { BROADCAST_DEFAULTS } from '../config/env-live.ts';
import { broadcastEnv, tickerEnv } from '../config/functions-live.ts';

export const DEFAULT_CONCURRENCY = BROADCAST_DEFAULTS.concurrency;
export const DEFAULT_POST_BUDGET = BROADCAST_DEFAULTS.postsPerSecond;
export const DEFAULT_CONNECTIONS_PER_SHARD = BROADCAST_DEFAULTS.connectionsPerShard;

/** What both broadcast functions know. */
export interface LiveSettings {
  environment: string;
  tables: { outbox: string; campaigns: string; connections: string; state: string };
  stateMachineArn: string;
  /** `PostToConnection` endpoint of the WebSocket stage. */
  managementEndpoint: string;
  /** The Event API; undefined when the stack has none (the events transport is off). */
  events: EventApiEndpoints | undefined;
  topN: number;
  /** Posts in flight per broadcaster (and sockets). */
  concurrency: number;
  startLeadMs: number;
}

/** functions/broadcast: WebSocket routes, HTTP routes, the controller and the sweep. */
export interface BroadcastSettings extends LiveSettings {
  /** Where clients connect their WebSocket. */
  webSocketUrl: string;
  rateLimitPerSecond: number;
  maxMessageBytes: number;
  policiesTable: string;
  policyCacheTtlMs: number;
}

/** functions/broadcast-ticker: the tick bursts. */
export interface TickerSettings extends LiveSettings {
  burstMs: number;
  maxIterations: number;
  /** Posts per second one broadcaster (one shard) may make. */
  postsPerSecond: number;
  connectionsPerShard: number;
  heartbeatMs: number;
  /** Posts per second every broadcaster together may make: share × account quota. */
  accountBudget: number;
  /** `auto` campaigns go `events` above this many posts per second. */
  autoEventsPostsPerSec: number;
}

type LiveEnv = ReturnType<typeof broadcastEnv.read> | ReturnType<typeof tickerEnv.read>;

function live(e: LiveEnv, source: EnvSource): LiveSettings {
  const endpoints = { ...e, awsEndpointUrl: source.AWS_ENDPOINT_URL };
  return {
    environment: e.environment,
    tables: {
      outbox: e.outboxTable,
      campaigns: e.campaignTable,
      connections: e.connectionsTable,
      state: e.broadcastStateTable,
    },
    stateMachineArn: e.stateMachineArn,
    managementEndpoint: managementEndpointFor(endpoints),
    events: eventApiEndpoints(endpoints),
    topN: e.topN,
    concurrency: e.fanoutConcurrency,
    startLeadMs: e.startLeadSeconds * 1000,
  };
}

export function broadcastSettings(source: EnvSource = process.env): BroadcastSettings {
  const e = broadcastEnv.parse(source);
  return {
    ...live(e, source),
    webSocketUrl: clientWebSocketUrl({ ...e, awsEndpointUrl: source.AWS_ENDPOINT_URL }),
    rateLimitPerSecond: e.wsRateLimitPerSec,
    maxMessageBytes: e.wsMaxMessageBytes,
    policiesTable: e.policiesTable,
    policyCacheTtlMs: e.policyCacheTtlMs,
  };
}

export function tickerSettings(source: EnvSource = process.env): TickerSettings {
  const e = tickerEnv.parse(source);
  const accountBudget = Math.floor(e.accountPostQuota * e.accountPostShare);
  return {
    ...live(e, source),
    burstMs: e.tickBurstSeconds * 1000,
    maxIterations: e.tickerMaxIterations,
    postsPerSecond: Math.min(e.postBudgetPerSec, accountBudget),
    connectionsPerShard: e.connectionsPerShard,
    heartbeatMs: e.onChangeHeartbeatSeconds * 1000,
    accountBudget,
    autoEventsPostsPerSec: accountBudget * e.autoEventsShare,
  };
}
