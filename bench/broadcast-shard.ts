/**
 * One shard of the broadcast bench's sharded run, as its own process (forked by
 * bench/broadcast.ts with the same tsx loader): the real broadcaster code (runTicks +
 * FanOut + SignedPoster) serving the connections that `shardOf` assigns to it, on the
 * schedule shared by every shard (same wall-clock anchor, same start seq, skipped ticks
 * consume their seq), then reports its figures over IPC.
 */
import { PostBudget } from '../lib/broadcast/budget.ts';
import { systemClock } from '../lib/broadcast/clock.ts';
import { FanOut } from '../lib/broadcast/fanout.ts';
import { campaignStateFrame } from '../lib/broadcast/frame.ts';
import { connectionsOfShard } from '../lib/broadcast/shards.ts';
import { SignedPoster } from '../lib/broadcast/signed-post.ts';
import { runTicks } from '../lib/broadcast/ticker.ts';
import { payloadFor } from './broadcast-payload.ts';

export interface ShardJob {
  endpoint: string;
  ids: string[];
  shard: number;
  shards: number;
  hz: number;
  /** Wall-clock (epoch ms) due time of the first tick, the same for every shard. */
  anchorWallMs: number;
  /** Wall-clock end of the run. */
  endWallMs: number;
  concurrency: number;
  /** Posting budget of this shard, posts/s (default: none). */
  budget?: number;
}

export interface ShardReport {
  shard: number;
  connections: number;
  /** seq of every emitted tick, with its due time (epoch ms). */
  ticks: Array<[seq: number, dueWallMs: number]>;
  lateness: number[];
  sent: number;
  dropped: number;
  /** Frames dropped per connection (busy), connections with none left out. */
  droppedBy: Record<string, number>;
  thinned: number;
  failed: number;
  cpuMs: number;
}

async function runShard(job: ShardJob): Promise<ShardReport> {
  const ids = connectionsOfShard(job.ids, job.shard, job.shards);
  const poster = new SignedPoster(job.endpoint, {
    maxSockets: job.concurrency,
    region: 'us-east-1',
    credentials: () => ({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
  });
  const budget = job.budget === undefined ? undefined : new PostBudget({ postsPerSecond: job.budget });
  const fan = new FanOut({ post: poster.post, concurrency: job.concurrency, ...(budget ? { budget } : {}) });
  // Warm-up before the anchor (not measured, ids the figures ignore): JIT and kept-alive
  // sockets, as the parent process warms run A1's code.
  for (let round = 0; round < 3 && Date.now() < job.anchorWallMs - 300; round += 1) {
    await Promise.all(
      Array.from({ length: job.concurrency }, (_, i) => poster.post(`warm${job.shard}x${i}`, 'warm')),
    );
  }
  const toMono = (wall: number): number => systemClock.now() + (wall - Date.now());
  const anchor = toMono(job.anchorWallMs);
  const ticks: Array<[number, number]> = [];
  const cpu = process.cpuUsage();
  const result = await runTicks({
    clock: systemClock,
    anchorAt: anchor,
    // The end measured from the anchor on the same clock, less 1 ms (shorter than any tick
    // period) for the time until runTicks reads the clock: ticks due in [anchor, end), exactly.
    durationMs: anchor + (job.endWallMs - job.anchorWallMs) - systemClock.now() - 1,
    seqFromSchedule: true,
    frequencyHz: () => job.hz,
    onTick: (tick) => {
      ticks.push([tick.seq, Math.round(job.anchorWallMs + (tick.scheduledAt - anchor))]);
      fan.broadcast(
        ids,
        campaignStateFrame({
          campaignId: 'bench',
          seq: tick.seq,
          ts: Date.now(),
          payload: payloadFor(job.ids.length, tick.seq),
        }),
      );
    },
  });
  await fan.drain();
  const used = process.cpuUsage(cpu);
  poster.close();
  const totals = fan.totals();
  const droppedBy: Record<string, number> = {};
  for (const id of ids) {
    const n = fan.perConnection(id).dropped;
    if (n > 0) droppedBy[id] = n;
  }
  return {
    shard: job.shard,
    connections: ids.length,
    ticks,
    lateness: result.lateness,
    sent: totals.sent,
    dropped: totals.dropped,
    droppedBy,
    thinned: totals.thinned,
    failed: totals.failed,
    cpuMs: (used.user + used.system) / 1000,
  };
}

process.once('message', (job: ShardJob) => {
  runShard(job).then(
    (report) => process.send?.({ type: 'report', report }, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.({ type: 'ready' });
