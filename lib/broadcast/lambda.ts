/**
 * functions/broadcast: the live-campaign service's front door, one handler per kind of call:
 * - API Gateway WebSocket events (`$connect`, `$disconnect`, `$default`) on the kit's `wsHandler`;
 * - HTTP API requests: the scores route, `GET /api/campaigns/{id}/live`, health;
 * - Nexus events (campaign.created / updated / deleted, `pattern.run`) → the controller;
 * - the minute's sweep `{ kind: "broadcast.sweep" }` (an EventBridge schedule) → the ticker watch.
 * The tick bursts run in their own function (./ticker-lambda.ts). Everything is built on first use
 * (./wiring.ts).
 */
import type { Context } from 'aws-lambda';
import { signingKey } from '../auth/secret.ts';
import type { Principal } from '../auth/tokens.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { healthReport } from '../health.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { directHandler } from '../lambda-kit/direct.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { lazy } from '../lambda-kit/lazy.ts';
import { isWsEvent, wsHandler } from '../lambda-kit/ws.ts';
import { logger } from '../observability.ts';
import { broadcast as declaration } from './contract.ts';
import { START_PATTERN } from './events.ts';
import { broadcastRoutes } from './http.ts';
import { LIVE_TOKEN_TTL_SECONDS, mintLiveToken } from './live-token.ts';
import { mayWatch } from './watch-access.ts';
import { broadcastWiring, log } from './wiring.ts';
import { type WebSocketEvent, webSocketHandler } from './ws.ts';

const websocket = lazy(() => {
  const w = broadcastWiring();
  return wsHandler(
    webSocketHandler({
      onConnected: (campaign, correlationId) => w.watch.onConnect(campaign, correlationId),
      connections: w.connections,
      leaderboard: w.leaderboard,
      limiter: w.limiter,
      post: w.post,
      verify: w.verify,
      watch: (watcher, campaignId) => mayWatch(watcher, campaignId, w.watchDeps),
      maxMessageBytes: w.settings.maxMessageBytes,
      log,
    }) as (event: WebSocketEvent) => Promise<{ statusCode: number; body?: string }>,
  );
});

/** Where `principal` joins a campaign now: the transport its run uses (websocket before any choice). */
async function live(principal: Principal, campaignId: string) {
  const w = broadcastWiring();
  await mayWatch(principal, campaignId, w.watchDeps);
  const ticker = await w.tickers.get(campaignId, false);
  const transport = ticker?.status === 'running' ? (ticker.transport?.kind ?? 'websocket') : 'websocket';
  const now = Date.now();
  return {
    ...w.join(campaignId, transport),
    // The last frame's seq (saved about every second): a client holding less reads …/state.
    ...(ticker !== undefined && ticker.seq > 0 ? { seq: ticker.seq } : {}),
    token: await mintLiveToken(await signingKey(), principal, campaignId, now),
    expires_at: new Date(now + LIVE_TOKEN_TTL_SECONDS * 1000).toISOString(),
  };
}

/** The latest frame of a campaign `principal` may watch; undefined before its first frame. */
async function state(principal: Principal, campaignId: string): Promise<string | undefined> {
  const w = broadcastWiring();
  await mayWatch(principal, campaignId, w.watchDeps);
  return w.snapshots.latest(campaignId);
}

const http = lazy(() => {
  const w = broadcastWiring();
  const { tables } = w.settings;
  return httpHandler(
    declaration.routes,
    broadcastRoutes({
      campaigns: w.campaigns,
      leaderboard: w.leaderboard,
      live,
      state,
      health: () =>
        healthReport('broadcast', {
          connections: { logical: 'service_broadcast_connection', physical: tables.connections },
          state: { logical: 'service_broadcast_state', physical: tables.state },
        }),
    }),
  );
});

const events = lazy(() => {
  const reconcile = async (e: EventEnvelope): Promise<void> => {
    if (e.entity.type !== 'campaign') return;
    const outcomes = await broadcastWiring().controller.reconcile(e.entity.id, e.correlation_id);
    logger.info('reconciled', { campaign_id: e.entity.id, trigger: e.type, outcomes });
  };
  return consumerHandler({
    'campaign.created': reconcile,
    'campaign.updated': reconcile,
    'campaign.deleted': reconcile,
    'pattern.run': async (e) => {
      if (e.payload?.pattern === START_PATTERN) await reconcile(e);
    },
  });
});

/** The minute's sweep (EventBridge schedule): restart dead tickers, stop ended ones. */
const sweep = lazy(() =>
  directHandler(async (event: Record<string, unknown>, context: Context) => {
    if (event.kind !== 'broadcast.sweep')
      throw new Error(`Unsupported direct invocation kind ${String(event.kind)}`);
    const checked = await broadcastWiring().watch.sweep(context.awsRequestId);
    logger.info('ticker sweep', { checked });
    return { checked };
  }),
);

const base = serviceLambda({ http, events, direct: sweep });

export const handler = async (event: unknown, context: Context): Promise<unknown> =>
  isWsEvent(event) ? websocket(event as WebSocketEvent, context) : base(event, context);
