/**
 * WebSocket broadcast benchmark: the real broadcaster code (runTicks + FanOut +
 * managementApiPoster) against the pattern of the AWS WebSocket chat sample
 * (aws-samples/simple-websockets-chat-app, `sendmessage`: Scan the connections table for
 * every message, create a management API client, `await Promise.all` of one
 * PostToConnection per connection), one after the other, on the same stand-in.
 *
 * The stand-in: a loopback HTTP server (127.0.0.1, random port) implementing
 * `POST /@connections/{id}` of the API Gateway Management API. It answers 200 after
 * `BENCH_BROADCAST_LATENCY_MS` (5 ms), or `BENCH_BROADCAST_SLOW_LATENCY_MS` (500 ms) for a
 * `BENCH_BROADCAST_SLOW_FRACTION` (10 %) of the connections, evenly spread, and counts the
 * frames delivered per connection. It runs in a child process, so that it shares neither
 * the broadcaster's event loop nor its CPU accounting (its event loop utilization and CPU
 * time are printed, to show it is not the bottleneck).
 *
 * Runs: (A) the real code, connection ids listed once up front (the real broadcaster
 * refreshes its list about once a second, not per tick); (A0, on request) the same with
 * no slow clients, a control showing which fast-client losses are not due to slow ones;
 * (B) the sample: per tick a simulated Scan, a new client per message as the sample does
 * (plain: no keep-alive, the SDK's default 50 sockets), `await Promise.all` of the posts,
 * and the next message only after that (no tick is skipped: a backlog shows as lateness).
 *
 * Env: BENCH_BROADCAST_CONNECTIONS (1000), BENCH_BROADCAST_HZ (10),
 * BENCH_BROADCAST_SECONDS (30; 10 with BENCH_QUICK=1), BENCH_BROADCAST_CONCURRENCY (128,
 * the FanOut default), BENCH_BROADCAST_SCAN_PAGE_MS (2: the simulated DynamoDB Scan reads
 * 100-item pages, 2 ms each, so 20 ms for 1,000 connections), BENCH_BROADCAST_SAMPLE_SOCKETS
 * (50; 0 = unlimited), BENCH_BROADCAST_SAMPLE_KEEPALIVE (0; 1 = keep-alive within a
 * message, as the SDK v3 default client would), BENCH_BROADCAST_RUNS (`A,B`; e.g. `A,A0,B`).
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { systemClock } from '../lib/broadcast/clock.ts';
import { FanOut } from '../lib/broadcast/fanout.ts';
import { type CampaignStatePayload, campaignStateFrame } from '../lib/broadcast/frame.ts';
import { isGoneError, managementApiPoster } from '../lib/broadcast/management-api.ts';
import { runTicks } from '../lib/broadcast/ticker.ts';
import { printTable } from './lib.ts';

/** Aims of the broadcast issue. */
const AIM_FRAMES_PER_SEC = 10_000;
const AIM_P99_LATENESS_MS = 50;
const AIM_RATIO = 3;

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
  scanPageMs: number;
  scanPageSize: number;
  sampleSockets: number;
  sampleKeepAlive: boolean;
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
  return {
    connections: Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_CONNECTIONS', 1000))),
    hz: Math.max(0.1, envNumber('BENCH_BROADCAST_HZ', 10)),
    seconds: Math.max(1, envNumber('BENCH_BROADCAST_SECONDS', quick ? 10 : 30)),
    latencyMs: envNumber('BENCH_BROADCAST_LATENCY_MS', 5),
    slowFraction: Math.min(1, envNumber('BENCH_BROADCAST_SLOW_FRACTION', 0.1)),
    slowLatencyMs: envNumber('BENCH_BROADCAST_SLOW_LATENCY_MS', 500),
    concurrency: Math.max(1, Math.floor(envNumber('BENCH_BROADCAST_CONCURRENCY', 128))),
    scanPageMs: envNumber('BENCH_BROADCAST_SCAN_PAGE_MS', 2),
    scanPageSize: 100,
    sampleSockets: Math.floor(envNumber('BENCH_BROADCAST_SAMPLE_SOCKETS', 50)),
    sampleKeepAlive: process.env.BENCH_BROADCAST_SAMPLE_KEEPALIVE === '1',
    runs: (process.env.BENCH_BROADCAST_RUNS ?? 'A,B').split(',').map((r) => r.trim().toUpperCase()),
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
let slow = new Set();
const PREFIX = '/@connections/';
let counts = new Map();
let connections = 0;
let elu = performance.eventLoopUtilization();
let cpu = process.cpuUsage();
const server = http.createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
  const url = req.url || '';
  const at = url.indexOf(PREFIX);
  if (req.method !== 'POST' || at < 0) {
    res.writeHead(404, { 'content-length': '0' });
    res.end();
    return;
  }
  const id = decodeURIComponent(url.slice(at + PREFIX.length).split('?')[0]);
  req.resume();
  req.on('end', () => {
    setTimeout(() => {
      counts.set(id, (counts.get(id) || 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
      res.end();
    }, slow.has(id) ? slowLatencyMs : latencyMs);
  });
});
server.on('connection', () => {
  connections += 1;
});
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
server.maxRequestsPerSocket = 0;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.send({ type: 'listening', port: server.address().port });
});
process.on('message', (msg) => {
  if (msg.type === 'reset') {
    slow = new Set(msg.slowIds);
    counts = new Map();
    connections = 0;
    elu = performance.eventLoopUtilization();
    cpu = process.cpuUsage();
    process.send({ type: 'reset' });
  } else if (msg.type === 'counts') {
    const used = process.cpuUsage(cpu);
    process.send({
      type: 'counts',
      counts: Object.fromEntries(counts),
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
  /** TCP connections accepted since the last reset. */
  connections: number;
  /** Event loop utilization of the stand-in since the last reset (0..1). */
  utilization: number;
  /** CPU time of the stand-in process since the last reset, in ms. */
  cpuMs: number;
}

interface StandIn {
  endpoint: string;
  /** Zero the counters and set which connections are slow for the next run. */
  reset(slowIds: readonly string[]): Promise<void>;
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
    endpoint: `http://127.0.0.1:${port}`,
    async reset(slowIds) {
      const done = next('reset');
      child.send({ type: 'reset', slowIds });
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
// The two patterns.
// ---------------------------------------------------------------------------------------

interface RunOutcome {
  /** Wall time until every frame of the run settled, in ms. */
  elapsedMs: number;
  ticksDue: number;
  ticksEmitted: number;
  lateness: number[];
  /** Frames dropped by the drop policy, per connection (zero for the sample pattern). */
  droppedOf: (connectionId: string) => number;
  /** Posts that failed (errors other than 410). */
  failed: number;
  /** Event loop utilization of the broadcaster (main thread) during the run. */
  utilization: number;
  /** CPU time of the broadcaster process during the run, in ms. */
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

/** Top-10 leaderboard and live count: a frame of about 480 bytes. */
function payloadFor(connections: number, seq: number): CampaignStatePayload {
  return {
    leaderboard: Array.from({ length: 10 }, (_, i) => ({
      user: `player-${i + 1}`,
      score: 10_000 - i * 97 + seq,
    })),
    live_participant_count: connections,
  };
}

/** (A) The real broadcaster: runTicks + FanOut + managementApiPoster (kept-alive client). */
async function runBroadcaster(
  cfg: BenchConfig,
  endpoint: string,
  ids: readonly string[],
): Promise<RunOutcome> {
  const post = managementApiPoster(endpoint, {
    maxSockets: cfg.concurrency,
    region: REGION,
    credentials: CREDENTIALS,
  });
  const fan = new FanOut({ post, concurrency: cfg.concurrency });
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
  return {
    elapsedMs: performance.now() - start,
    ticksDue: result.ticks + result.skipped,
    ticksEmitted: result.ticks,
    lateness: result.lateness,
    droppedOf: (id) => fan.perConnection(id).dropped,
    failed: fan.totals().failed,
    ...stop(),
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
            if (!isGoneError(error)) throw error; // the sample deletes gone connections; none here
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
    ...stop(),
  };
}

// ---------------------------------------------------------------------------------------
// Figures.
// ---------------------------------------------------------------------------------------

interface Figures {
  name: string;
  framesPerSec: number;
  fastRatio: number;
  slowRatio: number;
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
): Figures {
  let delivered = 0;
  let fastDelivered = 0;
  let slowDelivered = 0;
  let fastDropped = 0;
  let slowDropped = 0;
  for (const id of ids) {
    const n = standIn.counts[id] ?? 0;
    delivered += n;
    if (slow.has(id)) {
      slowDelivered += n;
      slowDropped += outcome.droppedOf(id);
    } else {
      fastDelivered += n;
      fastDropped += outcome.droppedOf(id);
    }
  }
  const fastCount = ids.length - slow.size;
  return {
    name,
    framesPerSec: delivered / (outcome.elapsedMs / 1000),
    fastRatio: fastCount === 0 ? Number.NaN : fastDelivered / (fastCount * outcome.ticksDue),
    slowRatio: slow.size === 0 ? Number.NaN : slowDelivered / (slow.size * outcome.ticksDue),
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
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');

/**
 * CPU cost of the broadcaster's own code per frame (frame building, FanOut bookkeeping,
 * promise plumbing), with a no-op post that settles on the next turn: what is left of
 * "CPU µs/frame" once the SDK and HTTP are taken out.
 */
async function ownCostPerFrameUs(ids: readonly string[]): Promise<number> {
  const fan = new FanOut({ post: () => new Promise((resolve) => setImmediate(() => resolve('ok'))) });
  const ticks = Math.max(20, Math.ceil(100_000 / ids.length));
  const tick = async (seq: number): Promise<void> => {
    fan.broadcast(
      ids,
      campaignStateFrame({ campaignId: 'bench', seq, ts: Date.now(), payload: payloadFor(ids.length, seq) }),
    );
    await fan.drain();
  };
  for (let seq = 1; seq <= 5; seq += 1) await tick(seq); // warm-up
  const cpu = process.cpuUsage();
  for (let seq = 1; seq <= ticks; seq += 1) await tick(seq);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (ticks * ids.length);
}

interface Run {
  key: string;
  name: string;
  run: (cfg: BenchConfig, endpoint: string, ids: readonly string[]) => Promise<RunOutcome>;
  /** Whether the slow connections are slow in this run (not in the control run). */
  withSlow: boolean;
}

const RUNS: readonly Run[] = [
  { key: 'A', name: 'A: runTicks + FanOut (kept-alive)', run: runBroadcaster, withSlow: true },
  { key: 'A0', name: 'A0: same, no slow clients (control)', run: runBroadcaster, withSlow: false },
  { key: 'B', name: 'B: chat sample (scan + Promise.all)', run: runChatSample, withSlow: true },
];

/** Print whether each aim of the issue is met by run A (and B, A0 when they ran). */
function printAims(
  figures: readonly Figures[],
  offered: number,
  deliverable: number,
  slowFramesPerSec: number,
): void {
  const a = figures.find((f) => f.name.startsWith('A:'));
  const a0 = figures.find((f) => f.name.startsWith('A0:'));
  const b = figures.find((f) => f.name.startsWith('B:'));
  if (a === undefined) return;
  const n = (value: number): string => Math.round(value).toLocaleString('en-US');
  console.log('Aims (run A):');
  console.log(
    `  ${n(AIM_FRAMES_PER_SEC)} frames/s from one broadcaster: offered ${n(offered)}/s; delivered ${n(a.framesPerSec)}/s ` +
      `of at most ~${n(deliverable)}/s deliverable (a slow client takes ~${slowFramesPerSec.toFixed(2)} frames/s) → ` +
      `${verdict(offered >= AIM_FRAMES_PER_SEC && a.framesPerSec >= 0.98 * deliverable)} as "all it can deliver" ` +
      `(≥ 98 % of deliverable), ${verdict(a.framesPerSec >= AIM_FRAMES_PER_SEC)} taken literally`,
  );
  console.log(
    `  p99 tick lateness < ${AIM_P99_LATENESS_MS} ms: ${ms(a.p99)} ms → ${verdict(a.p99 < AIM_P99_LATENESS_MS)}`,
  );
  const control =
    a0 === undefined
      ? ''
      : `; control run without slow clients: ${pct(a0.fastRatio)} delivered, so ` +
        `${pct(Math.max(0, a0.fastRatio - a.fastRatio))} of fast frames are lost to slow clients ` +
        `(${verdict(a.fastRatio >= a0.fastRatio - 0.01)} within 1 point of the control)`;
  console.log(
    `  fast clients lose no frames to slow ones: ${n(a.fastDropped)} fast frames dropped, ${pct(a.fastRatio)} ` +
      `of fast frames delivered → ${verdict(a.fastDropped === 0)} strictly${control}`,
  );
  if (b !== undefined) {
    const ratio = a.framesPerSec / b.framesPerSec;
    console.log(
      `  ≥ ${AIM_RATIO}× the sample pattern's delivered frames/s: ${ratio.toFixed(2)}× → ${verdict(ratio >= AIM_RATIO)}`,
    );
  }
}

/** Run the broadcast benchmark: (A) the real broadcaster, then (B) the chat sample's pattern. */
export async function runBroadcastBench(): Promise<void> {
  // Node 20 is supported here (the SDK's notice about its future minimum is noise in the output).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg = readConfig();
  const ids = Array.from({ length: cfg.connections }, (_, i) => `conn${String(i).padStart(5, '0')}Ab9=`);
  // Evenly spread: connection i is slow when the running count of slow ones steps up at i.
  const slowIds = ids.filter(
    (_, i) => Math.floor((i + 1) * cfg.slowFraction) > Math.floor(i * cfg.slowFraction),
  );
  const slow = new Set(slowIds);
  const offered = cfg.connections * cfg.hz;
  // With the drop policy a slow client takes one frame per (ticks its post spans + 1) ticks.
  const slowFramesPerSec = cfg.hz / (Math.ceil(cfg.slowLatencyMs / (1000 / cfg.hz)) + 1);
  const deliverable = (cfg.connections - slow.size) * cfg.hz + slow.size * slowFramesPerSec;
  console.log(
    `${cfg.connections} connections (${slow.size} slow at ${cfg.slowLatencyMs} ms, the others ${cfg.latencyMs} ms) ` +
      `at ${cfg.hz} Hz for ${cfg.seconds} s per run; FanOut concurrency ${cfg.concurrency}; ` +
      `sample: ${cfg.sampleSockets > 0 ? cfg.sampleSockets : 'unlimited'} sockets` +
      `${cfg.sampleKeepAlive ? ' kept alive' : ', no keep-alive'}, Scan ${cfg.scanPageMs} ms per ` +
      `${cfg.scanPageSize} items; ${offered.toLocaleString('en-US')} frames/s offered`,
  );

  const standIn = await startStandIn(cfg);
  const figures: Figures[] = [];
  try {
    // Warm-up (not measured): JIT, credentials, endpoint resolution, kept-alive sockets.
    await standIn.reset([]);
    const warm = managementApiPoster(standIn.endpoint, {
      maxSockets: cfg.concurrency,
      region: REGION,
      credentials: CREDENTIALS,
    });
    for (let i = 0; i < 3; i += 1)
      await Promise.all(ids.slice(0, cfg.concurrency).map((id) => warm(id, 'warm')));

    for (const { key, name, run, withSlow } of RUNS) {
      if (!cfg.runs.includes(key)) continue;
      await standIn.reset(withSlow ? slowIds : []);
      process.stdout.write(`  running ${name} …`);
      const outcome = await run(cfg, standIn.endpoint, ids);
      const f = figuresOf(name, outcome, await standIn.counts(), ids, slow);
      figures.push(f);
      console.log(` ${Math.round(f.framesPerSec).toLocaleString('en-US')} frames/s`);
    }
  } finally {
    await standIn.close();
  }

  printTable(
    figures.map((f) => ({
      pattern: f.name,
      'delivered frames/s': Math.round(f.framesPerSec),
      'fast delivered': pct(f.fastRatio),
      'slow delivered': pct(f.slowRatio),
      'dropped fast': f.fastDropped,
      'dropped slow': f.slowDropped,
      'ticks sent/due': `${f.outcome.ticksEmitted}/${f.outcome.ticksDue}`,
      'lateness p50 ms': ms(f.p50),
      'p99 ms': ms(f.p99),
      'max ms': ms(f.max),
      failed: f.outcome.failed,
      'TCP conns': f.standIn.connections,
      'CPU µs/frame': Number.isNaN(f.cpuPerFrameUs) ? '-' : Math.round(f.cpuPerFrameUs),
      'ELU broadcaster': pct(f.outcome.utilization),
      'ELU stand-in': pct(f.standIn.utilization),
      'CPU stand-in': pct(f.standIn.cpuMs / f.outcome.elapsedMs),
    })),
  );
  console.log(
    '(delivered: frames answered 200 by the stand-in, per second of run time until all settled; fast/slow ' +
      'delivered: share of the frames due to those clients; dropped: frames the FanOut dropped because the ' +
      'connection still had one in flight; TCP conns: connections the stand-in accepted; CPU µs/frame: CPU ' +
      'time of the broadcaster process per delivered frame; ELU: event loop utilization)',
  );
  const load = loadavg()[0] ?? 0;
  if (load > availableParallelism()) {
    console.log(
      `(load average ${load.toFixed(1)} on ${availableParallelism()} cores: the figures are CPU-starved; ` +
        'CPU µs/frame is the steadier figure)',
    );
  }
  const own = await ownCostPerFrameUs(ids);
  console.log(
    `Broadcaster's own code (frame + FanOut + ticks, no-op post): ${own.toFixed(2)} µs of CPU per frame; ` +
      'the rest of "CPU µs/frame" is the SDK call and HTTP.',
  );
  printAims(figures, offered, deliverable, slowFramesPerSec);
}
