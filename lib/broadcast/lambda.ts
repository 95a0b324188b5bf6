/**
 * The broadcast Lambda: one function for the whole service, dispatching by event shape:
 * - API Gateway WebSocket events (`requestContext.eventType`): `$connect`, `$disconnect`, `$default`;
 * - HTTP API requests (`routeKey`): `POST /api/campaigns/{id}/scores`, `GET /api/broadcast/health`;
 * - Nexus events (EventBridge): campaign.created / updated / deleted, `pattern.run` → controller;
 * - Step Functions direct input `{ kind: "broadcast.tick", … }`: one tick burst.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { signingKey } from '../auth/secret.ts';
import { verifyToken } from '../auth/tokens.ts';
import { documentClient, stepFunctionsClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { eventConsumer } from '../edge/consumer.ts';
import { httpHandler } from '../edge/http.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import { isWsEvent } from '../edge/ws.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { emit } from '../events/outbox.ts';
import { healthReport } from '../health.ts';
import { logger, metrics } from '../observability.ts';
import { broadcast as declaration } from '../registry/platform-broadcast.ts';
import { runBurst } from './burst.ts';
import { DynamoCampaignReader } from './campaigns.ts';
import { systemClock } from './clock.ts';
import { ConnectionStore } from './connections.ts';
import { BroadcastController, stoppedEnvelope, TickerWatch } from './controller.ts';
import { broadcastEnvelope, START_PATTERN } from './events.ts';
import { FanOut } from './fanout.ts';
import { broadcastNotice } from './frame.ts';
import { broadcastRoutes } from './http.ts';
import { LeaderboardStore, rankingFormulaOf } from './leaderboard.ts';
import { StepFunctionsTicker, type TickInput } from './machine.ts';
import { FixedWindowRateLimiter } from './rate-limit.ts';
import { loadBroadcastSettings } from './settings.ts';
import { runShardBurst, type ShardDeps } from './shard-burst.ts';
import { signedPoster } from './signed-post.ts';
import type { TickMetrics } from './tick-sender.ts';
import { TickerStore } from './ticker-state.ts';
import { webSocketHandler } from './ws.ts';

const settings = loadBroadcastSettings();
const cfg = config();
const ddb = documentClient();
const tables = { state: settings.stateTable, outbox: cfg.outboxTable };
const campaigns = new DynamoCampaignReader(ddb, settings.campaignTable);
const connections = new ConnectionStore(ddb, {
  connections: settings.connectionsTable,
  state: settings.stateTable,
});
const leaderboard = new LeaderboardStore(ddb, tables, cfg.environment);
const tickers = new TickerStore(ddb, tables);
const machine = new StepFunctionsTicker(stepFunctionsClient(), settings.stateMachineArn);
const poster = signedPoster(settings.managementEndpoint, {
  maxSockets: settings.concurrency,
  onCredentialsError: (error) => logger.warn('credentials refresh failed', { error: String(error) }),
});
const post = poster.post;
const limiter = new FixedWindowRateLimiter({
  store: connections.windowStore(),
  limit: settings.rateLimitPerSecond,
});

/** Every current connection of a campaign gets one frame (outside a burst). */
async function notifyAll(campaignId: string, frame: string): Promise<void> {
  const { live } = await connections.list(campaignId, Date.now());
  const fanout = new FanOut({
    post,
    concurrency: settings.concurrency,
    onGone: async (id) => {
      await connections.remove(campaignId, id);
    },
  });
  fanout.broadcast(live, frame);
  await fanout.drain();
}

const controller = new BroadcastController({
  campaigns,
  tickers,
  machine,
  emit: (envelopes: EventEnvelope[]) => emit(ddb, cfg.outboxTable, envelopes),
  notifyStopped: (campaignId) =>
    notifyAll(campaignId, broadcastNotice({ type: 'broadcast.stopped', campaignId, ts: Date.now() })),
  environment: cfg.environment,
  startLeadMs: settings.startLeadMs,
});

const log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) =>
  logger[level](message, extra ?? {});

// --- WebSocket -------------------------------------------------------------------------
const watch = new TickerWatch({
  tickers,
  reconcile: (campaignId, correlationId) => controller.reconcile(campaignId, correlationId),
  startLeadMs: settings.startLeadMs,
});
const ws = webSocketHandler({
  onConnected: (campaign, correlationId) => watch.onConnect(campaign, correlationId),
  connections,
  campaigns,
  leaderboard,
  limiter,
  post,
  verify: async (token) => verifyToken(await signingKey(), token),
  maxMessageBytes: settings.maxMessageBytes,
  log,
});
const websocket = middy(ws).use(injectLambdaContext(logger, { resetKeys: true }));

// --- Nexus events → controller -----------------------------------------------------------
const reconcile = async (e: EventEnvelope): Promise<void> => {
  if (e.entity.type !== 'campaign') return;
  const outcomes = await controller.reconcile(e.entity.id, e.correlation_id);
  logger.info('reconciled', { campaign_id: e.entity.id, trigger: e.type, outcomes });
};
const events = middy(
  eventConsumer({
    'campaign.created': reconcile,
    'campaign.updated': reconcile,
    'campaign.deleted': reconcile,
    'pattern.run': async (e) => {
      if (e.payload?.pattern === START_PATTERN) await reconcile(e);
    },
  }),
)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));

// --- Step Functions: one tick burst ------------------------------------------------------
const tickInputSchema = z.object({
  kind: z.literal('broadcast.tick'),
  campaign_id: z.string().check(z.minLength(1)),
  execution: z.string().check(z.minLength(1)),
  epoch: z.number().check(z.int(), z.gte(1)),
  generation: z.number().check(z.int(), z.gte(0)),
  seq: z.number().check(z.int(), z.gte(1)),
  iterations: z.number().check(z.int(), z.gte(0)),
  announced: z.boolean(),
  next_tick_at: z.optional(z.number()),
  shard: z.optional(
    z.object({
      index: z.number().check(z.int(), z.gte(1)),
      count: z.number().check(z.int(), z.gte(2)),
      plan: z.string().check(z.minLength(1)),
      owner: z.string().check(z.minLength(1)),
      anchor_at: z.number(),
      seq: z.number().check(z.int(), z.gte(1)),
      hz: z.number().check(z.positive()),
      ends_at: z.number(),
    }),
  ),
});

/** Tick metrics (Powertools EMF), buffered and flushed every refresh by {@link flushMetrics}. */
function tickMetrics(m: TickMetrics): void {
  metrics.addMetric('TickLateness', 'Milliseconds', m.lateness);
  metrics.addMetric('FramesSent', 'Count', m.sent);
  metrics.addMetric('FramesDropped', 'Count', m.dropped);
  metrics.addMetric('FramesThinned', 'Count', m.thinned);
  metrics.addMetric('PostsThrottled', 'Count', m.throttled);
  metrics.addMetric('ConnectionsGone', 'Count', m.gone);
  metrics.addMetric('PostsFailed', 'Count', m.failed);
  metrics.addMetric('ShardCount', 'Count', m.shards);
}

function flushMetrics(campaignId: string): void {
  if (!metrics.hasStoredMetrics()) return;
  metrics.addMetadata('campaign_id', campaignId);
  metrics.publishStoredMetrics();
}

/** Time kept free at the end of an invocation for draining and handing over. */
const BURST_SAFETY_MS = 15_000;

async function tick(event: Record<string, unknown>, context: Context) {
  const input: TickInput = tickInputSchema.parse(event);
  const id = input.campaign_id;
  logger.appendKeys({ campaign_id: id, execution: input.execution });
  const budgetMs = Math.max(
    1_000,
    Math.min(settings.burstMs, context.getRemainingTimeInMillis() - BURST_SAFETY_MS),
  );
  const started = Date.now();
  // What the owning burst and a shard both read, post and report through.
  const common: ShardDeps = {
    clock: systemClock,
    wallNow: Date.now,
    loadCampaign: (c) => campaigns.get(c, false),
    loadTicker: (c) => tickers.get(c, false),
    listConnections: (c, now) => connections.list(c, now),
    // Ranked by the campaign's formula as it is now (a change applies from the next refresh).
    top: async (c) =>
      leaderboard.top(c, settings.topN, rankingFormulaOf((await campaigns.get(c, false))?.metadata)),
    removeConnection: (c, connectionId) => connections.remove(c, connectionId),
    post,
    beat: (c, shard, instance, at) => tickers.beat(c, shard, instance, at),
    readBeat: (c, shard) => tickers.readBeat(c, shard),
    onTick: tickMetrics,
    onRefresh: () => flushMetrics(id),
    log: (level, message, extra) => logger[level](message, extra ?? {}),
  };
  const options = {
    concurrency: settings.concurrency,
    postsPerSecond: settings.postsPerSecond,
    heartbeatMs: settings.heartbeatMs,
    startLeadMs: settings.startLeadMs,
  };
  if (input.shard !== undefined) {
    logger.appendKeys({ shard: input.shard.index });
    return runShardBurst(input, common, options);
  }
  const output = await runBurst(
    input,
    {
      ...common,
      markStarted: (i, hz) =>
        tickers.markStarted(
          i.campaign_id,
          i.execution,
          broadcastEnvelope({
            type: 'broadcast.started',
            environment: cfg.environment,
            campaignId: i.campaign_id,
            version: i.epoch,
            correlationId: i.execution,
            payload: { epoch: i.epoch, frequency: hz, execution: i.execution, first_seq: i.seq },
          }),
        ),
      stopSelf: (i, reason, lastSeq) =>
        tickers.stop(
          i.campaign_id,
          i.execution,
          reason,
          (item) => stoppedEnvelope(cfg.environment, item, reason, i.execution, lastSeq),
          lastSeq,
        ),
      saveSeq: (i, lastSeq) => tickers.saveSeq(i.campaign_id, i.execution, lastSeq),
      alive: (i, lastSeq, at) => tickers.alive(i.campaign_id, i.execution, lastSeq, at),
      handoff: async (i, successor, nextSeq) => {
        const next = { execution: successor, generation: i.generation + 1 };
        const current = await tickers.get(i.campaign_id);
        const ours = current?.execution === successor;
        if (!ours && !(await tickers.handoff(i.campaign_id, i.execution, next, nextSeq - 1))) return;
        await machine.start(successor, { ...i, ...next, seq: nextSeq, iterations: 0 });
      },
      startShard: (i, name) => machine.start(name, i),
      assignShard: (c, shard, plan, instance, at) => tickers.assignShard(c, shard, plan, instance, at),
    },
    {
      ...options,
      budgetMs,
      maxIterations: settings.maxIterations,
      connectionsPerShard: settings.connectionsPerShard,
    },
  );
  logger.info('burst done', {
    ms: Date.now() - started,
    seq: output.seq,
    iterations: output.iterations,
    continue: output.continue,
  });
  return output;
}

/** The minute's sweep (EventBridge schedule): restart dead tickers, stop ended ones. */
async function sweep(context: Context) {
  const done = await watch.sweep(context.awsRequestId);
  logger.info('ticker sweep', { checked: done });
  return { checked: done };
}

const direct = middy(async (event: Record<string, unknown>, context: Context) => {
  if (event.kind === 'broadcast.tick') return tick(event, context);
  if (event.kind === 'broadcast.sweep') return sweep(context);
  throw new Error(`Unsupported direct invocation kind ${String(event.kind)}`);
  // No logMetrics here: a burst flushes its tick metrics itself, every refresh and at its end.
}).use(injectLambdaContext(logger, { resetKeys: true }));

// --- HTTP --------------------------------------------------------------------------------
const http = httpHandler(
  declaration.routes,
  broadcastRoutes({
    campaigns,
    leaderboard,
    health: () =>
      healthReport('broadcast', {
        connections: { logical: 'service_broadcast_connection', physical: settings.connectionsTable },
        state: { logical: 'service_broadcast_state', physical: settings.stateTable },
      }),
  }),
);

const base = serviceLambda({ http, events, direct });

export const handler = async (event: unknown, context: Context): Promise<unknown> => {
  if (isWsEvent(event)) return websocket(event, context);
  return base(event, context);
};
