/**
 * The one wiring module of the broadcast room: every port its functions use, built once per
 * process and only on first use (a cold start builds nothing before its first invocation).
 *
 * - {@link liveWiring}: what both functions share: the stores, the `PostToConnection` poster,
 *   the Event API publisher (when the stack has one), where clients join.
 * - {@link broadcastWiring}: functions/broadcast (WebSocket routes, HTTP routes, campaign events,
 *   the minute's sweep): the controller, the ticker watch, the rate limiter, who may watch.
 * - {@link tickerWiring}: functions/broadcast-ticker (the state machine's task): the burst's ports.
 */
import { verifyBearer } from '../auth/verify.ts';
import { documentClient } from '../aws/clients.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { emit } from '../events/outbox.ts';
import { once } from '../lambda-kit/lazy.ts';
import { logger } from '../observability.ts';
import { PolicyStore } from '../policy/store.ts';
import type { BurstPorts } from './burst-ports.ts';
import { DynamoCampaignReader } from './campaigns.ts';
import { channelOf } from './channels.ts';
import { systemClock } from './clock.ts';
import { ConnectionStore } from './connections.ts';
import { BroadcastController, stoppedEnvelope } from './controller.ts';
import { broadcastEnvelope } from './events.ts';
import { EventPublisher } from './events-publish.ts';
import { FanOut } from './fanout.ts';
import { broadcastNotice } from './frame.ts';
import { joinInfo } from './join.ts';
import { LeaderboardStore, rankingFormulaOf } from './leaderboard.ts';
import { StepFunctionsTicker } from './machine.ts';
import { FixedWindowRateLimiter } from './rate-limit.ts';
import { broadcastSettings, type LiveSettings, tickerSettings } from './settings.ts';
import { ShardBeats } from './shard-beats.ts';
import { DynamoShareLedger, PostingShare } from './share.ts';
import { signedPoster } from './signed-post.ts';
import { SnapshotStore } from './snapshot.ts';
import { TickerRun } from './ticker-run.ts';
import { RunningTickers } from './ticker-running.ts';
import { TickerStore } from './ticker-state.ts';
import { TickerWatch } from './ticker-watch.ts';
import type { TransportKind } from './transport.ts';
import type { WatchDeps } from './watch-access.ts';

export const log = (
  level: 'info' | 'warn' | 'error',
  message: string,
  extra?: Record<string, unknown>,
): void => logger[level](message, extra ?? {});

/** The ports both broadcast functions share, over their settings. */
function live(settings: LiveSettings, webSocketUrl: string) {
  const ddb = documentClient();
  const { tables } = settings;
  const poster = signedPoster(settings.managementEndpoint, {
    maxSockets: settings.concurrency,
    onCredentialsError: (error) => log('warn', 'credentials refresh failed', { error: String(error) }),
  });
  const events = settings.events;
  const publisher = events === undefined ? undefined : new EventPublisher(events);
  return {
    settings,
    ddb,
    campaigns: new DynamoCampaignReader(ddb, tables.campaigns),
    connections: new ConnectionStore(ddb, { connections: tables.connections, state: tables.state }),
    leaderboard: new LeaderboardStore(
      ddb,
      { state: tables.state, outbox: tables.outbox },
      settings.environment,
    ),
    tickers: new TickerStore(ddb, { state: tables.state, outbox: tables.outbox }),
    snapshots: new SnapshotStore(ddb, tables.state),
    machine: new StepFunctionsTicker(settings.stateMachineArn),
    post: poster.post,
    publish: publisher?.publish,
    join: (campaignId: string, transport: TransportKind) =>
      joinInfo(campaignId, transport, { webSocketUrl, events }),
    emit: (envelopes: EventEnvelope[]) => emit(ddb, tables.outbox, envelopes),
  };
}

type Live = ReturnType<typeof live>;

/** A notice to every current WebSocket connection of a campaign, and on its channel (outside a burst). */
async function notifyAll(w: Live, campaignId: string, frame: string): Promise<void> {
  const { live: ids } = await w.connections.list(campaignId, Date.now());
  const fanout = new FanOut({
    post: w.post,
    concurrency: w.settings.concurrency,
    onGone: async (id) => {
      await w.connections.remove(campaignId, id);
    },
  });
  const channel = channelOf(campaignId);
  fanout.broadcast(ids, frame);
  await Promise.all([
    fanout.drain(),
    w.publish && channel
      ? w.publish(channel, [frame]).catch((e: unknown) => log('warn', 'publish failed', { error: String(e) }))
      : undefined,
  ]);
}

export const broadcastWiring = /* @__PURE__ */ once(() => {
  const settings = broadcastSettings();
  const w = live(settings, settings.webSocketUrl);
  const policies = new PolicyStore(settings.policiesTable, w.ddb, settings.policyCacheTtlMs);
  const controller = new BroadcastController({
    campaigns: w.campaigns,
    tickers: w.tickers,
    machine: w.machine,
    emit: w.emit,
    notifyStopped: (campaignId) =>
      notifyAll(w, campaignId, broadcastNotice({ type: 'broadcast.stopped', campaignId, ts: Date.now() })),
    environment: settings.environment,
    startLeadMs: settings.startLeadMs,
  });
  const watchDeps: WatchDeps = {
    environment: settings.environment,
    loadCampaign: (id) => w.campaigns.get(id, true),
    resolvePolicy: (key) => policies.resolve(key),
  };
  return {
    ...w,
    settings,
    controller,
    watch: new TickerWatch({
      tickers: w.tickers,
      running: new RunningTickers(w.ddb, settings.tables.state, (id) => w.tickers.get(id)),
      reconcile: (campaignId, correlationId) => controller.reconcile(campaignId, correlationId),
      startLeadMs: settings.startLeadMs,
    }),
    limiter: new FixedWindowRateLimiter({
      store: w.connections.windowStore(),
      limit: settings.rateLimitPerSecond,
    }),
    watchDeps,
    verify: verifyBearer,
  };
});

export const tickerWiring = /* @__PURE__ */ once(() => {
  const settings = tickerSettings();
  const w = live(settings, '');
  const beats = new ShardBeats(w.ddb, { state: settings.tables.state });
  const ledger = new DynamoShareLedger(w.ddb, settings.tables.state);
  const env = settings.environment;
  const run = new TickerRun(w.ddb, { state: settings.tables.state, outbox: settings.tables.outbox });
  const ports: Omit<BurstPorts, 'onTick' | 'onRefresh'> = {
    clock: systemClock,
    wallNow: Date.now,
    log,
    loadCampaign: (c) => w.campaigns.get(c, false),
    loadTicker: (c) => w.tickers.get(c, false),
    listConnections: (c, now) => w.connections.list(c, now),
    // A campaign ranked by a formula (issue 26) is ranked by it, read at each refresh.
    top: async (c) =>
      w.leaderboard.top(c, settings.topN, rankingFormulaOf((await w.campaigns.get(c, false))?.metadata)),
    removeConnection: (c, id) => w.connections.remove(c, id),
    pendingResumes: (c, now) => w.connections.pendingResumes(c, now),
    resumed: (c, id) => w.connections.resumed(c, id),
    saveSnapshot: (c, seq, frame) => w.snapshots.save(c, seq, frame),
    post: w.post,
    ...(w.publish ? { publish: w.publish } : {}),
    join: w.join,
    share: () => new PostingShare(ledger, { budget: settings.accountBudget, now: Date.now }),
    markStarted: (i, hz) =>
      run.markStarted(
        i.campaign_id,
        i.execution,
        broadcastEnvelope({
          type: 'broadcast.started',
          environment: env,
          campaignId: i.campaign_id,
          version: i.epoch,
          correlationId: i.execution,
          payload: { epoch: i.epoch, frequency: hz, execution: i.execution, first_seq: i.seq },
        }),
      ),
    stopSelf: (i, reason, lastSeq) =>
      w.tickers.stop(
        i.campaign_id,
        i.execution,
        reason,
        (item) => stoppedEnvelope(env, item, reason, i.execution, lastSeq),
        lastSeq,
      ),
    saveSeq: (i, lastSeq) => run.saveSeq(i.campaign_id, i.execution, lastSeq),
    alive: (i, lastSeq, at) => run.alive(i.campaign_id, i.execution, lastSeq, at),
    setTransport: (i, t) => run.setTransport(i.campaign_id, i.execution, t),
    handoff: async (i, successor, nextSeq) => {
      const next = { execution: successor, generation: i.generation + 1 };
      const current = await w.tickers.get(i.campaign_id);
      const ours = current?.execution === successor;
      if (!ours && !(await w.tickers.handoff(i.campaign_id, i.execution, next, nextSeq - 1))) return;
      await w.machine.start(successor, { ...i, ...next, seq: nextSeq, iterations: 0 });
    },
    startShard: (i, name) => w.machine.start(name, i),
    assignShard: (c, shard, plan, instance, at) => beats.assignShard(c, shard, plan, instance, at),
    readBeat: (c, shard) => beats.readBeat(c, shard),
  };
  return {
    ...w,
    settings,
    ports,
    beat: (c: string, shard: number, instance: string, at: number) => beats.beat(c, shard, instance, at),
    readBeat: (c: string, shard: number) => beats.readBeat(c, shard),
  };
});
