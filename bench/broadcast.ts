/**
 * WebSocket broadcast benchmark: the real broadcaster code (runTicks + FanOut + the lean
 * signed post path, SignedPoster) against the pattern of the AWS WebSocket chat sample
 * (aws-samples/simple-websockets-chat-app, `sendmessage`: Scan the connections table for
 * every message, create a management API client, `await Promise.all` of one SDK
 * PostToConnection per connection), one after the other, on the same stand-in.
 *
 * The stand-in: a loopback HTTP server (127.0.0.1, random port) implementing
 * `POST /@connections/{id}` of the API Gateway Management API. It answers 200 after
 * `BENCH_BROADCAST_LATENCY_MS` (5 ms), or `BENCH_BROADCAST_SLOW_LATENCY_MS` (500 ms) for a
 * `BENCH_BROADCAST_SLOW_FRACTION` (10 %) of the connections, evenly spread; counts the frames
 * delivered per connection and checks that each connection's `seq` only increases; and, in
 * the throttling run, answers 429 at once above `BENCH_BROADCAST_THROTTLE_RPS`. It runs in
 * a child process, so that it shares neither the broadcaster's event loop nor its CPU
 * accounting (its event loop utilization and CPU time are printed).
 *
 * Runs (`BENCH_BROADCAST_RUNS`, default `A,A1,B,S,T,E`):
 * - A: the real code at the defaults (1,000 connections, 10 Hz, 10 % slow at 500 ms, 5 ms
 *   stand-in) with a posting budget above its offered load (`BENCH_BROADCAST_BUDGET`,
 *   default 1.2 × offered), sharded as the stack shards it: a shard serves no more
 *   connections than its posting budget (5,000 posts/s) covers at the campaign's Hz
 *   (`connectionsPerShardAt`), so 1,000 connections at 10 Hz are two shard processes
 *   (`BENCH_BROADCAST_SHARD_BUDGET`, `BENCH_BROADCAST_CONNECTIONS_PER_SHARD` change that);
 *   A1: the same load in one process (not sharded), for comparison; A0 (on request): one
 *   process without slow clients, a control;
 * - B: the chat sample: per tick a simulated Scan, a new SDK client per message (no
 *   keep-alive, the SDK's default 50 sockets), `await Promise.all` of the posts, the next
 *   message only after that (no tick is skipped: a backlog shows as lateness);
 * - S: sharded: `BENCH_BROADCAST_SHARD_CONNECTIONS` (5,000) connections at
 *   `BENCH_BROADCAST_SHARD_HZ` (2) Hz, `BENCH_BROADCAST_SHARD_SIZE` (1,700) connections per
 *   shard, so 3 shards, each its own process (bench/broadcast-shard.ts) on one schedule;
 * - T: throttling: run A's load with the stack's default budget
 *   (`BENCH_BROADCAST_THROTTLE_BUDGET`, 5,000/s) against a stand-in that answers 429 above
 *   `BENCH_BROADCAST_THROTTLE_RPS` (3,000/s): the budget adapts (AIMD) and the fast clients
 *   are still served evenly (thinning is round robin).
 *
 * Other env: BENCH_BROADCAST_CONNECTIONS (1000), BENCH_BROADCAST_HZ (10),
 * BENCH_BROADCAST_SECONDS (30; 10 with BENCH_QUICK=1), BENCH_BROADCAST_CONCURRENCY (256:
 * room for the 100 slow clients' posts in flight and the fast ones'),
 * BENCH_BROADCAST_SCAN_PAGE_MS (2: the simulated Scan reads 100-item pages, 2 ms each),
 * BENCH_BROADCAST_SAMPLE_SOCKETS (50; 0 = unlimited), BENCH_BROADCAST_SAMPLE_KEEPALIVE (0).
 *
 * - E: 10,000 viewers at 10 Hz on the events transport, and the websocket model of the same load
 *   (bench/broadcast-scale.ts), after the others: its line `broadcast-scale-summary …` is last.
 *
 * The summary of run A (before E's):
 * `broadcast-summary delivered_fps=… offered_fps=… fast_delivered_pct=… p99_lateness_ms=…
 * cpu_us_per_frame=… vs_sample=…`.
 */
import { fork, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { PostBudget } from '../lib/broadcast/budget.ts';
import { systemClock } from '../lib/broadcast/clock.ts';
import { FanOut } from '../lib/broadcast/fanout.ts';
import { campaignStateFrame } from '../lib/broadcast/frame.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_CONNECTIONS_PER_SHARD,
  DEFAULT_POST_BUDGET,
} from '../lib/broadcast/settings.ts';
import { connectionsPerShardAt, shardCountFor } from '../lib/broadcast/shards.ts';
import { SignedPoster } from '../lib/broadcast/signed-post.ts';
import { runTicks } from '../lib/broadcast/ticker.ts';
import { payloadFor } from './broadcast-payload.ts';
import { runScaleBench } from './broadcast-scale.ts';
import type { ShardJob, ShardReport } from './broadcast-shard.ts';
import { printTable } from './lib.ts';

/** Aims of issue 9 (run A at its defaults). */
const AIMS = { deliveredFps: 9_000, fastPct: 99, p99Ms: 50, cpuUsPerFrame: 150, vsSample: 5 };

/** The stand-in is local: any credentials and region do (requests are still SigV4-signed). */
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

interface BenchConfig {
  connections: number;
  hz: number;
  seconds: number;
  latencyMs: number;
  slowFraction: number;
  slowLatencyMs: number;
  concurrency: number;
  budget: number;
  scanPageMs: number;
  scanPageSize: number;
  sampleSockets: number;
  sampleKeepAlive: boolean;
  shardConnections: number;
  shardHz: number;
  shardSize: number;
  /** Shards run A gets at the stack's defaults (posting budget and connections per shard at its Hz). */
  aShards: number;
  throttleBudget: number;
  throttleRps: number;
  runs: string[];
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function readConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1';
  const connections = Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_CONNECTIONS', 1000)));
  const hz = Math.max(0.1, envNumber('BENCH_BROADCAST_HZ', 10));
  return {
    connections,
    hz,
    seconds: Math.max(1, envNumber('BENCH_BROADCAST_SECONDS', quick ? 10 : 30)),
    latencyMs: envNumber('BENCH_BROADCAST_LATENCY_MS', 5),
    slowFraction: Math.min(1, envNumber('BENCH_BROADCAST_SLOW_FRACTION', 0.1)),
    slowLatencyMs: envNumber('BENCH_BROADCAST_SLOW_LATENCY_MS', 500),
    concurrency: Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_CONCURRENCY', DEFAULT_CONCURRENCY))),
    budget: Math.max(1, envNumber('BENCH_BROADCAST_BUDGET', Math.ceil(connections * hz * 1.2))),
    scanPageMs: envNumber('BENCH_BROADCAST_SCAN_PAGE_MS', 2),
    scanPageSize: 100,
    sampleSockets: Math.floor(envNumber('BENCH_BROADCAST_SAMPLE_SOCKETS', 50)),
    sampleKeepAlive: process.env.BENCH_BROADCAST_SAMPLE_KEEPALIVE === '1',
    shardConnections: Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_SHARD_CONNECTIONS', 5000))),
    shardHz: Math.max(0.1, envNumber('BENCH_BROADCAST_SHARD_HZ', 2)),
    shardSize: Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_SHARD_SIZE', 1700))),
    aShards: shardCountFor(
      connections,
      connectionsPerShardAt(
        hz,
        envNumber('BENCH_BROADCAST_CONNECTIONS_PER_SHARD', DEFAULT_CONNECTIONS_PER_SHARD),
        envNumber('BENCH_BROADCAST_SHARD_BUDGET', DEFAULT_POST_BUDGET),
      ),
    ),
    throttleBudget: Math.max(1, envNumber('BENCH_BROADCAST_THROTTLE_BUDGET', DEFAULT_POST_BUDGET)),
    throttleRps: Math.max(1, envNumber('BENCH_BROADCAST_THROTTLE_RPS', 3000)),
    runs: (process.env.BENCH_BROADCAST_RUNS ?? 'A,A1,B,S,T,E').split(',').map((r) => r.trim().toUpperCase()),
  };
}

// ---------------------------------------------------------------------------------------
// The stand-in management API, in a child process.
// ---------------------------------------------------------------------------------------

/** Stand-in source (CommonJS, run with `node -e`: it needs no TypeScript loader). */
const STAND_IN_SOURCE = `
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { latencyMs, slowLatencyMs } = JSON.parse(process.env.BENCH_STAND_IN);
const PREFIX = '/@connections/';
let slow = new Set();
let counts = new Map();
let lastSeq = new Map();
let outOfOrder = 0;
let throttled = 0;
let throttleRps = 0;
let tokens = 0;
let refilledAt = performance.now();
let connections = 0;
let elu = performance.eventLoopUtilization();
let cpu = process.cpuUsage();
function admit() {
  if (throttleRps <= 0) return true;
  const now = performance.now();
  tokens = Math.min(throttleRps / 10, tokens + ((now - refilledAt) * throttleRps) / 1000);
  refilledAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}
const server = http.createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
  const url = req.url || '';
  const at = url.indexOf(PREFIX);
  if (req.method !== 'POST' || at < 0 || !String(req.headers.authorization || '').startsWith('AWS4-HMAC-SHA256 ')) {
    res.writeHead(at < 0 ? 404 : 403, { 'content-length': '0' });
    res.end();
    req.resume();
    return;
  }
  const id = decodeURIComponent(url.slice(at + PREFIX.length).split('?')[0]);
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (!admit()) {
      throttled += 1;
      const msg = '{"message":"Too Many Requests"}';
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'LimitExceededException', 'content-length': String(msg.length) });
      res.end(msg);
      return;
    }
    setTimeout(() => {
      counts.set(id, (counts.get(id) || 0) + 1);
      const k = body.indexOf('"seq":');
      if (k >= 0) {
        const seq = parseInt(body.slice(k + 6, k + 24), 10);
        const last = lastSeq.get(id);
        if (last !== undefined && seq <= last) outOfOrder += 1;
        lastSeq.set(id, seq);
      }
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    }, slow.has(id) ? slowLatencyMs : latencyMs);
  });
});
server.on('connection', () => { connections += 1; });
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
server.maxRequestsPerSocket = 0;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.send({ type: 'listening', port: server.address().port });
});
process.on('message', (msg) => {
  if (msg.type === 'reset') {
    slow = new Set(msg.slowIds);
    throttleRps = msg.throttleRps || 0;
    tokens = throttleRps / 10;
    refilledAt = performance.now();
    counts = new Map();
    lastSeq = new Map();
    outOfOrder = 0;
    throttled = 0;
    connections = 0;
    elu = performance.eventLoopUtilization();
    cpu = process.cpuUsage();
    process.send({ type: 'reset' });
  } else if (msg.type === 'counts') {
    const used = process.cpuUsage(cpu);
    process.send({
      type: 'counts',
      counts: Object.fromEntries(counts),
      outOfOrder,
      throttled,
      connections,
      utilization: performance.eventLoopUtilization(elu).utilization,
      cpuMs: (used.user + used.system) / 1000,
    });
  } else if (msg.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
`;

interface StandInCounts {
  counts: Record<string, number>;
  /** Frames whose seq was not above the connection's previous one. */
  outOfOrder: number;
  /** Requests answered 429. */
  throttled: number;
  /** TCP connections accepted since the last reset. */
  connections: number;
  /** Event loop utilization of the stand-in since the last reset (0..1). */
  utilization: number;
  /** CPU time of the stand-in process since the last reset, in ms. */
  cpuMs: number;
}

interface StandIn {
  endpoint: string;
  /** Zero the counters and set the slow connections and the 429 rate for the next run. */
  reset(slowIds: readonly string[], throttleRps?: number): Promise<void>;
  counts(): Promise<StandInCounts>;
  close(): Promise<void>;
}

/** Start the stand-in in its own process (own core, own CPU accounting), on 127.0.0.1. */
async function startStandIn(cfg: BenchConfig): Promise<StandIn> {
  const child = spawn(process.execPath, ['-e', STAND_IN_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_STAND_IN: JSON.stringify({ latencyMs: cfg.latencyMs, slowLatencyMs: cfg.slowLatencyMs }),
    },
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`stand-in exited (${code})`));
      const onMessage = (msg: { type: string } & T): void => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(msg);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next<{ port: number }>('listening');
  return {
    endpoint: `http://127.0.0.1:${port}/live`,
    async reset(slowIds, throttleRps = 0) {
      const done = next('reset');
      child.send({ type: 'reset', slowIds, throttleRps });
      await done;
    },
    async counts() {
      const done = next<StandInCounts>('counts');
      child.send({ type: 'counts' });
      return done;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------
// The patterns.
// ---------------------------------------------------------------------------------------

interface RunOutcome {
  /** Wall time until every frame of the run settled, in ms. */
  elapsedMs: number;
  ticksDue: number;
  ticksEmitted: number;
  lateness: number[];
  /** Frames dropped by the drop policy, per connection (zero for the sample pattern). */
  droppedOf: (connectionId: string) => number;
  /** Posts that failed (errors other than 410/429). */
  failed: number;
  /** Frames thinned by the budget / answered 429 (run A, T). */
  thinned: number;
  throttled: number;
  /** Budget rate sampled every second (run T). */
  budgetTrace: number[];
  /** Event loop utilization of the broadcaster (main thread) during the run. */
  utilization: number;
  /** CPU time of the broadcaster process(es) during the run, in ms. */
  cpuMs: number;
}

/** Start measuring the event loop utilization and CPU time of this process; call the result to read them. */
function meter(): () => { utilization: number; cpuMs: number } {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      utilization: performance.eventLoopUtilization(elu).utilization,
      cpuMs: (used.user + used.system) / 1000,
    };
  };
}

/** (A, T) The real broadcaster: runTicks + FanOut (with a budget) + SignedPoster. */
async function runBroadcaster(
  cfg: BenchConfig,
  endpoint: string,
  ids: readonly string[],
  budgetPerSecond: number,
): Promise<RunOutcome> {
  const poster = new SignedPoster(endpoint, {
    maxSockets: cfg.concurrency,
    region: REGION,
    credentials: () => CREDENTIALS,
  });
  const budget = new PostBudget({ postsPerSecond: budgetPerSecond });
  const fan = new FanOut({ post: poster.post, concurrency: cfg.concurrency, budget });
  const budgetTrace: number[] = [];
  const sampler = setInterval(() => budgetTrace.push(Math.round(budget.rate)), 1000);
  const stop = meter();
  const start = performance.now();
  const result = await runTicks({
    clock: systemClock,
    durationMs: cfg.seconds * 1000,
    frequencyHz: () => cfg.hz,
    onTick: (tick) => {
      const frame = campaignStateFrame({
        campaignId: 'bench',
        seq: tick.seq,
        ts: Date.now(),
        payload: payloadFor(ids.length, tick.seq),
      });
      fan.broadcast(ids, frame);
    },
  });
  await fan.drain();
  clearInterval(sampler);
  const measured = stop();
  poster.close();
  const totals = fan.totals();
  return {
    elapsedMs: performance.now() - start,
    ticksDue: result.ticks + result.skipped,
    ticksEmitted: result.ticks,
    lateness: result.lateness,
    droppedOf: (id) => fan.perConnection(id).dropped,
    failed: totals.failed,
    thinned: totals.thinned,
    throttled: totals.throttled,
    budgetTrace,
    ...measured,
  };
}

/**
 * A DynamoDB Scan of the connections table, simulated in process: `pageSize` items per
 * page, `pageMs` per page, pages read one after the other (as a Scan paginates).
 */
async function scanConnections(
  ids: readonly string[],
  pageMs: number,
  pageSize: number,
): Promise<Array<{ connectionId: string }>> {
  const items: Array<{ connectionId: string }> = [];
  for (let i = 0; i < ids.length; i += pageSize) {
    await new Promise((resolve) => setTimeout(resolve, pageMs));
    for (const connectionId of ids.slice(i, i + pageSize)) items.push({ connectionId });
  }
  return items;
}

/**
 * (B) The chat sample's pattern, one message per tick: Scan every connection, create a
 * client (plain: no keep-alive unless BENCH_BROADCAST_SAMPLE_KEEPALIVE=1), `await
 * Promise.all` of one post per connection; the next message waits for the previous one
 * (no tick is skipped: the backlog shows as lateness).
 */
async function runChatSample(
  cfg: BenchConfig,
  endpoint: string,
  ids: readonly string[],
): Promise<RunOutcome> {
  const periodMs = 1000 / cfg.hz;
  const durationMs = cfg.seconds * 1000;
  const lateness: number[] = [];
  let failed = 0;
  const stop = meter();
  const start = performance.now();
  for (let k = 0; ; k += 1) {
    const due = start + k * periodMs;
    if (due >= start + durationMs || performance.now() >= start + durationMs) break;
    await systemClock.sleepUntil(due);
    lateness.push(performance.now() - due);

    const items = await scanConnections(ids, cfg.scanPageMs, cfg.scanPageSize);
    const client = new ApiGatewayManagementApiClient({
      endpoint,
      region: REGION,
      credentials: CREDENTIALS,
      requestHandler: {
        httpAgent: {
          keepAlive: cfg.sampleKeepAlive,
          maxSockets: cfg.sampleSockets > 0 ? cfg.sampleSockets : Infinity,
        },
      },
    });
    const postData = campaignStateFrame({
      campaignId: 'bench',
      seq: k + 1,
      ts: Date.now(),
      payload: payloadFor(ids.length, k + 1),
    });
    try {
      await Promise.all(
        items.map(async ({ connectionId }) => {
          try {
            await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: postData }));
          } catch (error) {
            if (!(error instanceof GoneException)) throw error; // the sample deletes gone connections; none here
          }
        }),
      );
    } catch {
      failed += 1; // the sample returns 500 for the message
    } finally {
      client.destroy();
    }
  }
  return {
    elapsedMs: performance.now() - start,
    ticksDue: Math.ceil(durationMs / periodMs),
    ticksEmitted: lateness.length,
    lateness,
    droppedOf: () => 0,
    failed,
    thinned: 0,
    throttled: 0,
    budgetTrace: [],
    ...stop(),
  };
}

/** A sharded run: how many shards at what frequency, each with what posting budget. */
interface ShardedRun {
  hz: number;
  shards: number;
  /** Posts per second per shard (default: none). */
  budget?: number;
}

/** (A at the defaults, S) Shards as separate processes (bench/broadcast-shard.ts) on one schedule. */
async function runSharded(
  cfg: BenchConfig,
  endpoint: string,
  ids: readonly string[],
  run: ShardedRun,
): Promise<{ outcome: RunOutcome; reports: ShardReport[] }> {
  const { shards, hz } = run;
  const children = Array.from({ length: shards }, () =>
    fork(new URL('./broadcast-shard.ts', import.meta.url), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve()))));
  // Every shard is up; each warms up first, then all tick from the same instant.
  const anchorWallMs = Date.now() + 1500;
  const endWallMs = anchorWallMs + cfg.seconds * 1000;
  const reports = await Promise.all(
    children.map(
      (child, shard) =>
        new Promise<ShardReport>((resolve, reject) => {
          child.once('message', (msg: { type: string; report: ShardReport }) => resolve(msg.report));
          child.once('exit', (code) =>
            code === 0 ? undefined : reject(new Error(`shard ${shard} exited ${code}`)),
          );
          const job: ShardJob = {
            endpoint,
            ids: [...ids],
            shard,
            shards,
            hz,
            anchorWallMs,
            endWallMs,
            concurrency: cfg.concurrency,
            ...(run.budget === undefined ? {} : { budget: run.budget }),
          };
          child.send(job);
        }),
    ),
  );
  const elapsedMs = Math.max(1, Date.now() - anchorWallMs);
  const lateness = reports.flatMap((r) => r.lateness);
  const ticksDue = Math.ceil(cfg.seconds * hz);
  const droppedBy = new Map(reports.flatMap((r) => Object.entries(r.droppedBy)));
  return {
    reports,
    outcome: {
      elapsedMs,
      ticksDue,
      ticksEmitted: Math.min(...reports.map((r) => r.ticks.length)),
      lateness,
      droppedOf: (id) => droppedBy.get(id) ?? 0,
      failed: reports.reduce((n, r) => n + r.failed, 0),
      thinned: reports.reduce((n, r) => n + r.thinned, 0),
      throttled: 0,
      budgetTrace: [],
      utilization: Number.NaN,
      cpuMs: reports.reduce((n, r) => n + r.cpuMs, 0),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Figures.
// ---------------------------------------------------------------------------------------

interface Figures {
  name: string;
  framesPerSec: number;
  offeredPerSec: number;
  fastRatio: number;
  slowRatio: number;
  /** Fast clients' delivered share: lowest, median, highest client. */
  fastSpread: [number, number, number];
  fastDropped: number;
  slowDropped: number;
  p50: number;
  p99: number;
  max: number;
  /** Broadcaster CPU time per delivered frame, in µs. */
  cpuPerFrameUs: number;
  outcome: RunOutcome;
  standIn: StandInCounts;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function figuresOf(
  name: string,
  outcome: RunOutcome,
  standIn: StandInCounts,
  ids: readonly string[],
  slow: ReadonlySet<string>,
  hz: number,
): Figures {
  let delivered = 0;
  let fastDelivered = 0;
  let slowDelivered = 0;
  let fastDropped = 0;
  let slowDropped = 0;
  let slowCount = 0;
  const fastShares: number[] = [];
  for (const id of ids) {
    const n = standIn.counts[id] ?? 0;
    delivered += n;
    if (slow.has(id)) {
      slowCount += 1;
      slowDelivered += n;
      slowDropped += outcome.droppedOf(id);
    } else {
      fastDelivered += n;
      fastDropped += outcome.droppedOf(id);
      fastShares.push(n / outcome.ticksDue);
    }
  }
  const fastCount = ids.length - slowCount;
  return {
    name,
    // Per second of the broadcast schedule (its ticks due / Hz), as offered/s is: frames still
    // in flight when the schedule ends (a slow client's 500 ms post) count for their tick, and
    // the drain after the last tick does not dilute the rate.
    framesPerSec: delivered / (outcome.ticksDue / hz),
    offeredPerSec: ids.length * hz,
    fastRatio: fastCount === 0 ? Number.NaN : fastDelivered / (fastCount * outcome.ticksDue),
    slowRatio: slowCount === 0 ? Number.NaN : slowDelivered / (slowCount * outcome.ticksDue),
    fastSpread: [percentile(fastShares, 0), percentile(fastShares, 50), percentile(fastShares, 100)],
    fastDropped,
    slowDropped,
    p50: percentile(outcome.lateness, 50),
    p99: percentile(outcome.lateness, 99),
    max: percentile(outcome.lateness, 100),
    cpuPerFrameUs: delivered === 0 ? Number.NaN : (outcome.cpuMs * 1000) / delivered,
    outcome,
    standIn,
  };
}

const pct = (ratio: number): string => (Number.isNaN(ratio) ? '-' : `${(ratio * 100).toFixed(2)} %`);
const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(1));
const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');

/** Connection ids like API Gateway's (base64-ish, 16 characters). */
const idsOf = (n: number, prefix: string): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}Ab9=`);

/** Every `1/fraction`-th id, evenly spread. */
const slowOf = (ids: readonly string[], fraction: number): string[] =>
  ids.filter((_, i) => Math.floor((i + 1) * fraction) > Math.floor(i * fraction));

/** Run the broadcast benchmark; the last line is the issue's summary of run A. */
export async function runBroadcastBench(): Promise<string | undefined> {
  // Node 20 is supported here (the SDK's notice about its future minimum is noise in the output).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg = readConfig();
  const ids = idsOf(cfg.connections, 'conn');
  const slowIds = slowOf(ids, cfg.slowFraction);
  const slow = new Set(slowIds);
  const offered = cfg.connections * cfg.hz;
  console.log(
    `${cfg.connections} connections (${slow.size} slow at ${cfg.slowLatencyMs} ms, the others ${cfg.latencyMs} ms) ` +
      `at ${cfg.hz} Hz for ${cfg.seconds} s per run; FanOut concurrency ${cfg.concurrency}; A's budget ` +
      `${int(cfg.budget)} posts/s; sample: ${cfg.sampleSockets > 0 ? cfg.sampleSockets : 'unlimited'} sockets` +
      `${cfg.sampleKeepAlive ? ' kept alive' : ', no keep-alive'}, Scan ${cfg.scanPageMs} ms per ` +
      `${cfg.scanPageSize} items; ${int(offered)} frames/s offered`,
  );

  const standIn = await startStandIn(cfg);
  const figures: Figures[] = [];
  let sharded: { figures: Figures; reports: ShardReport[] } | undefined;
  try {
    // Warm-up (not measured): JIT, kept-alive sockets.
    await standIn.reset([]);
    const warm = new SignedPoster(standIn.endpoint, {
      maxSockets: cfg.concurrency,
      credentials: () => CREDENTIALS,
    });
    for (let i = 0; i < 3; i += 1)
      await Promise.all(ids.slice(0, cfg.concurrency).map((id) => warm.post(id, 'warm')));
    warm.close();

    const runs: Array<[string, string, () => Promise<RunOutcome>, boolean, number?]> = [
      [
        'A',
        cfg.aShards > 1
          ? `A: lean post + FanOut + budget, ${cfg.aShards} shard processes (stack defaults)`
          : 'A: lean post + FanOut + budget',
        async () =>
          cfg.aShards > 1
            ? (
                await runSharded(cfg, standIn.endpoint, ids, {
                  hz: cfg.hz,
                  shards: cfg.aShards,
                  budget: cfg.budget / cfg.aShards,
                })
              ).outcome
            : runBroadcaster(cfg, standIn.endpoint, ids, cfg.budget),
        true,
      ],
      [
        'A1',
        `A1: the same in one process (${int(cfg.connections)} connections, not sharded)`,
        () => runBroadcaster(cfg, standIn.endpoint, ids, cfg.budget),
        true,
      ],
      [
        'A0',
        'A0: one process, no slow clients',
        () => runBroadcaster(cfg, standIn.endpoint, ids, cfg.budget),
        false,
      ],
      ['B', 'B: chat sample (scan + Promise.all)', () => runChatSample(cfg, standIn.endpoint, ids), true],
      [
        'T',
        `T: 429 above ${int(cfg.throttleRps)}/s, budget ${int(cfg.throttleBudget)}/s`,
        () => runBroadcaster(cfg, standIn.endpoint, ids, cfg.throttleBudget),
        true,
        cfg.throttleRps,
      ],
    ];
    for (const [key, name, run, withSlow, throttleRps] of runs) {
      if (!cfg.runs.includes(key)) continue;
      await standIn.reset(withSlow ? slowIds : [], throttleRps ?? 0);
      process.stdout.write(`  running ${name} …`);
      const outcome = await run();
      const f = figuresOf(name, outcome, await standIn.counts(), ids, withSlow ? slow : new Set(), cfg.hz);
      figures.push(f);
      console.log(` ${int(f.framesPerSec)} frames/s`);
    }
    if (cfg.runs.includes('S')) {
      const shardIds = idsOf(cfg.shardConnections, 'shrd');
      const shardSlow = slowOf(shardIds, cfg.slowFraction);
      await standIn.reset(shardSlow);
      const shards = shardCountFor(shardIds.length, cfg.shardSize);
      const name = `S: ${int(shardIds.length)} conns at ${cfg.shardHz} Hz, ${shards} shard processes`;
      process.stdout.write(`  running ${name} …`);
      const { outcome, reports } = await runSharded(cfg, standIn.endpoint, shardIds, {
        hz: cfg.shardHz,
        shards,
      });
      const f = figuresOf(name, outcome, await standIn.counts(), shardIds, new Set(shardSlow), cfg.shardHz);
      figures.push(f);
      sharded = { figures: f, reports };
      console.log(` ${int(f.framesPerSec)} frames/s`);
    }
  } finally {
    await standIn.close();
  }

  printTable(
    figures.map((f) => ({
      run: f.name,
      'delivered/s': Math.round(f.framesPerSec),
      'offered/s': Math.round(f.offeredPerSec),
      'fast delivered': pct(f.fastRatio),
      'fast min/med/max': f.fastSpread.map((v) => pct(v).replace(' %', '')).join('/'),
      'slow delivered': pct(f.slowRatio),
      'dropped fast': f.fastDropped,
      thinned: f.outcome.thinned,
      throttled: f.standIn.throttled,
      'ticks sent/due': `${f.outcome.ticksEmitted}/${f.outcome.ticksDue}`,
      'lateness p50': ms(f.p50),
      p99: ms(f.p99),
      max: ms(f.max),
      failed: f.outcome.failed,
      'seq out of order': f.standIn.outOfOrder,
      'TCP conns': f.standIn.connections,
      'CPU µs/frame': Number.isNaN(f.cpuPerFrameUs) ? '-' : Math.round(f.cpuPerFrameUs),
      'CPU stand-in': pct(f.standIn.cpuMs / f.outcome.elapsedMs),
    })),
  );
  console.log(
    '(delivered: frames answered 200 by the stand-in per second of the broadcast schedule; fast/slow delivered: share of the ' +
      'frames due to those clients; fast min/med/max: the least, median and best served fast client; dropped: ' +
      'frames the FanOut dropped because the connection still had one in flight; thinned: frames over the ' +
      'posting budget; 429: posts the stand-in throttled; CPU µs/frame: CPU time of the broadcaster process(es) ' +
      'per delivered frame)',
  );
  const t = figures.find((f) => f.name.startsWith('T:'));
  if (t !== undefined) {
    console.log(
      `Throttling run: budget by second ${t.outcome.budgetTrace.map(int).join(' → ')} posts/s; ` +
        `${int(t.outcome.throttled)} posts answered 429 (dropped, not retried), ${int(t.outcome.thinned)} frames thinned; ` +
        `fast clients got ${f3(t.fastSpread)} of their frames (least/median/best served: round robin keeps them even).`,
    );
  }
  if (sharded !== undefined) {
    const { reports } = sharded;
    // The same tick (due time) carries the same seq on every shard (a shard may skip a tick).
    const dueOf = new Map<number, number>();
    let same = true;
    for (const [seq, due] of reports.flatMap((r) => r.ticks)) {
      const known = dueOf.get(seq);
      if (known !== undefined && Math.abs(known - due) > 1) same = false;
      dueOf.set(seq, due);
    }
    console.log(
      `Sharded run: ${reports.length} shard processes serving ${reports.map((r) => r.connections).join(' + ')} ` +
        `connections; every shard gave each tick the same seq: ${same ? 'yes' : 'NO'} ` +
        `(${dueOf.size} distinct ticks, ${reports.map((r) => r.ticks.length).join('/')} sent per shard); CPU per shard ${reports.map((r) => `${int(r.cpuMs)} ms`).join(', ')}; ` +
        `seq out of order at the stand-in: ${sharded.figures.standIn.outOfOrder}.`,
    );
  }
  const load = loadavg()[0] ?? 0;
  if (load > availableParallelism()) {
    console.log(
      `(load average ${load.toFixed(1)} on ${availableParallelism()} cores: the figures are CPU-starved; ` +
        'CPU µs/frame is the steadier figure)',
    );
  }

  const a = figures.find((f) => f.name.startsWith('A:'));
  const b = figures.find((f) => f.name.startsWith('B:'));
  // E: the same campaign past the quota, on the events transport and as the websocket model.
  const scale = cfg.runs.includes('E') ? await runScaleBench() : undefined;
  if (a === undefined) return scale;
  const vsSample = b === undefined ? Number.NaN : a.framesPerSec / b.framesPerSec;
  const fastPct = a.fastRatio * 100;
  console.log(
    `Aims (run A): delivered ≥ ${int(AIMS.deliveredFps)}/s ${verdict(a.framesPerSec >= AIMS.deliveredFps)}; ` +
      `fast ≥ ${AIMS.fastPct} % ${verdict(fastPct >= AIMS.fastPct)}; p99 lateness < ${AIMS.p99Ms} ms ` +
      `${verdict(a.p99 < AIMS.p99Ms)}; ≤ ${AIMS.cpuUsPerFrame} µs CPU/frame ${verdict(a.cpuPerFrameUs <= AIMS.cpuUsPerFrame)}; ` +
      `≥ ${AIMS.vsSample}× sample ${verdict(vsSample >= AIMS.vsSample)}`,
  );
  const summary =
    `broadcast-summary delivered_fps=${Math.round(a.framesPerSec)} offered_fps=${Math.round(a.offeredPerSec)} ` +
    `fast_delivered_pct=${fastPct.toFixed(2)} p99_lateness_ms=${a.p99.toFixed(1)} ` +
    `cpu_us_per_frame=${Math.round(a.cpuPerFrameUs)} vs_sample=${Number.isNaN(vsSample) ? 'NaN' : vsSample.toFixed(2)}`;
  return scale === undefined ? summary : `${summary}\n${scale}`;
}

const f3 = (spread: [number, number, number]): string => spread.map((v) => pct(v)).join(' / ');
