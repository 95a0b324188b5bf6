/**
 * One environment schema per live-campaign function (./env-live.ts declares the variables): what
 * each reads, and so exactly what infra/constructs/broadcast.ts sets for it.
 */
import { defineEnv, VARS as V } from './env.ts';
import { LIVE_VARS as L } from './env-live.ts';

/** What every broadcast function reads: the campaign and broadcast tables, the outbox. */
const live = {
  environment: V.environment,
  outboxTable: V.outboxTable,
  campaignTable: L.campaignTable,
  connectionsTable: L.connectionsTable,
  broadcastStateTable: L.broadcastStateTable,
  stateMachineArn: L.stateMachineArn,
  webSocketApiId: V.webSocketApiId,
  webSocketStage: V.webSocketStage,
  webSocketManagementEndpoint: L.webSocketManagementEndpoint,
  startLeadSeconds: L.startLeadSeconds,
  topN: L.topN,
  fanoutConcurrency: L.fanoutConcurrency,
  eventsApiId: L.eventsApiId,
  eventsHttpDns: L.eventsHttpDns,
  eventsRealtimeDns: L.eventsRealtimeDns,
} as const;

/**
 * The AppSync Event API of the events transport, added to both broadcast functions by infra when
 * the stack declares it, or after deploy by localstack/event-api.ts when the emulator cannot.
 */
export const eventApiEnv = defineEnv({
  eventsApiId: L.eventsApiId,
  eventsHttpDns: L.eventsHttpDns,
  eventsRealtimeDns: L.eventsRealtimeDns,
});

/** functions/broadcast: the WebSocket routes, the HTTP routes and the campaign-event controller. */
export const broadcastEnv = defineEnv({
  ...live,
  jwtSecretId: V.jwtSecretId,
  policiesTable: V.policiesTable,
  policyCacheTtlMs: V.policyCacheTtlMs,
  webSocketUrl: V.webSocketUrl,
  wsRateLimitPerSec: L.wsRateLimitPerSec,
  wsMaxMessageBytes: L.wsMaxMessageBytes,
});

/** functions/broadcast-ticker: the ticker state machine's task (tick bursts) and the minute's sweep. */
export const tickerEnv = defineEnv({
  ...live,
  tickBurstSeconds: L.tickBurstSeconds,
  tickerMaxIterations: L.tickerMaxIterations,
  postBudgetPerSec: L.postBudgetPerSec,
  connectionsPerShard: L.connectionsPerShard,
  onChangeHeartbeatSeconds: L.onChangeHeartbeatSeconds,
  accountPostQuota: L.accountPostQuota,
  accountPostShare: L.accountPostShare,
  autoEventsShare: L.autoEventsShare,
});

/** functions/broadcast-authorizer: the Event API's Lambda authorizer (who may subscribe to a campaign). */
export const eventsAuthorizerEnv = defineEnv({
  environment: V.environment,
  jwtSecretId: V.jwtSecretId,
  campaignTable: L.campaignTable,
  policiesTable: V.policiesTable,
  policyCacheTtlMs: V.policyCacheTtlMs,
});
