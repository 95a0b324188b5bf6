/**
 * Live campaigns past the account's quota: the same campaign — `BENCH_SCALE_VIEWERS` (10,000)
 * viewers at `BENCH_SCALE_HZ` (10) Hz — on each transport, run by the real owning burst
 * (lib/broadcast/burst.ts: refresh, schedule, frame, Transport.send) for `BENCH_SCALE_SECONDS`
 * (10; 5 with BENCH_QUICK=1), one after the other in this process:
 *
 * - events: the campaign set to `events`; every tick is one signed HTTP publish
 *   (lib/broadcast/events-publish.ts, the lean SigV4 client) to a loopback stand-in of the Event
 *   API's `POST /event` (a child process answering 200 after 5 ms, counting publishes). The
 *   viewers are AppSync's subscribers: the broadcaster does not see them, and nothing it does
 *   grows with them. `gw_posts_per_s` counts the API Gateway posts it made meanwhile.
 * - websocket (the model of the same load): the campaign set to `websocket` with the viewers as
 *   its connections and no posting budget or shards (what it would have to post to serve them
 *   all), each post counted and answered at once in-process (no network, so the count is not
 *   limited by a stand-in: it is what the transport asks of API Gateway).
 *
 * Measured, not computed: publishes and posts are counted as they are made, CPU time is this
 * process's. The last line is `broadcast-scale-summary …`.
 */
import { spawn } from 'node:child_process';
import { runBurst } from '../lib/broadcast/burst.ts';
import type { BurstPorts } from '../lib/broadcast/burst-ports.ts';
import { systemClock } from '../lib/broadcast/clock.ts';
import { EventPublisher } from '../lib/broadcast/events-publish.ts';
import { joinInfo } from '../lib/broadcast/join.ts';
import type { TickInput } from '../lib/broadcast/machine.ts';
import type { CampaignSnapshot } from '../lib/broadcast/phase.ts';
import type { TickMetrics } from '../lib/broadcast/tick-sender.ts';
import { payloadFor } from './broadcast-payload.ts';
import { printTable } from './lib.ts';

const ID = '01JBENCHSCALE0000000000000';
const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** The Event API stand-in: `POST /event` → 200 after `latencyMs`, counting publishes and events. */
const STAND_IN = `
const http = require('node:http');
let publishes = 0, events = 0;
const latency = Number(process.env.LATENCY_MS || 5);
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    publishes += 1;
    try { events += JSON.parse(body).events.length; } catch {}
    setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"successful":[{"identifier":"x","index":0}],"failed":[]}'); }, latency);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
process.on('message', (m) => {
  if (m.type === 'counts') process.send({ type: 'counts', publishes, events });
  if (m.type === 'close') server.close(() => process.exit(0));
});`;

interface StandIn {
  url: string;
  counts(): Promise<{ publishes: number; events: number }>;
  close(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const child = spawn(process.execPath, ['-e', STAND_IN], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string } & T) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  const { port } = await next<{ port: number }>('listening');
  return {
    url: `http://127.0.0.1:${port}`,
    counts: async () => {
      const c = next<{ publishes: number; events: number }>('counts');
      child.send({ type: 'counts' });
      return c;
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

interface Outcome {
  transport: string;
  seconds: number;
  ticks: number;
  publishes: number;
  posts: number;
  cpuMs: number;
}

/** One burst of the campaign on `transport`, for `seconds`, with `connections` listed. */
async function run(
  transport: 'events' | 'websocket',
  opts: { viewers: number; hz: number; seconds: number; standIn: StandIn },
): Promise<Outcome> {
  const wallNow = Date.now;
  const campaign: CampaignSnapshot = {
    id: ID,
    state: 'active',
    metadata: {
      features: ['broadcast'],
      scheduling: { frequency: opts.hz, start_time: new Date(wallNow() - 60_000).toISOString() },
      service_specific: { campaign: { broadcast_enabled: true, transport } },
    },
  };
  const connections =
    transport === 'websocket' ? Array.from({ length: opts.viewers }, (_, i) => `c${i}`) : [];
  const leaderboard = payloadFor(opts.viewers, 1).leaderboard;
  const publisher = new EventPublisher(
    { publishUrl: opts.standIn.url, publishHost: 'bench.appsync-api.us-east-1.amazonaws.com' },
    { credentials: () => ({ accessKeyId: 'bench', secretAccessKey: 'bench' }) },
  );
  let posts = 0;
  let ticks = 0;
  const ports: BurstPorts = {
    clock: systemClock,
    wallNow,
    log: () => undefined,
    loadCampaign: async () => campaign,
    loadTicker: async () => ({ status: 'running', execution: 'bench', epoch: 1 }),
    top: async () => leaderboard,
    listConnections: async () => ({ live: connections, expired: [] }),
    removeConnection: async () => undefined,
    post: async () => {
      posts += 1;
      return 'ok';
    },
    publish: publisher.publish,
    join: (id, kind) => joinInfo(id, kind, { webSocketUrl: 'wss://bench/live', events: undefined }),
    markStarted: async () => undefined,
    stopSelf: async () => undefined,
    saveSeq: async () => undefined,
    handoff: async () => undefined,
    onTick: (_m: TickMetrics) => {
      ticks += 1;
    },
  };
  const input: TickInput = {
    kind: 'broadcast.tick',
    campaign_id: ID,
    execution: 'bench',
    epoch: 1,
    generation: 0,
    seq: 1,
    iterations: 0,
    announced: true,
  };
  const before = await opts.standIn.counts();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await runBurst(input, ports, { budgetMs: opts.seconds * 1000, concurrency: 256 });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await opts.standIn.counts();
  publisher.close();
  return {
    transport,
    seconds,
    ticks,
    publishes: after.publishes - before.publishes,
    posts,
    cpuMs: (used.user + used.system) / 1000,
  };
}

/** Run both; resolves to the `broadcast-scale-summary` line. */
export async function runScaleBench(): Promise<string> {
  const viewers = env('BENCH_SCALE_VIEWERS', 10_000);
  const hz = env('BENCH_SCALE_HZ', 10);
  const seconds = env('BENCH_SCALE_SECONDS', process.env.BENCH_QUICK === '1' ? 5 : 10);
  const standIn = await startStandIn();
  try {
    const events = await run('events', { viewers, hz, seconds, standIn });
    const websocket = await run('websocket', { viewers, hz, seconds, standIn });
    const rows = [events, websocket].map((o) => ({
      transport: o.transport,
      seconds: o.seconds.toFixed(1),
      ticks: o.ticks,
      'publishes/s': Math.round(o.publishes / o.seconds),
      'API Gateway posts/s': Math.round(o.posts / o.seconds),
      'CPU µs/tick': Math.round((o.cpuMs * 1000) / Math.max(1, o.ticks)),
      'CPU %': `${((o.cpuMs / (o.seconds * 1000)) * 100).toFixed(1)}`,
    }));
    console.log(
      `\nScale: ${viewers.toLocaleString('en')} viewers at ${hz} Hz, the real burst on each transport`,
    );
    printTable(rows);
    return (
      `broadcast-scale-summary viewers=${viewers} hz=${hz} transport=events ` +
      `publishes_per_s=${(events.publishes / events.seconds).toFixed(1)} gw_posts_per_s=${Math.round(events.posts / events.seconds)} ` +
      `websocket_posts_per_s_same_load=${Math.round(websocket.posts / websocket.seconds)} ` +
      `cpu_us_per_tick=${Math.round((events.cpuMs * 1000) / Math.max(1, events.ticks))}`
    );
  } finally {
    await standIn.close();
  }
}
