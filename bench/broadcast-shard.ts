/**
 * One shard of the broadcast bench's sharded run, as its own process (forked by
 * bench/broadcast.ts with the same tsx loader): the real broadcaster code (runTicks +
 * FanOut + SignedPoster) serving the connections that `shardOf` assigns to it, on the
 * schedule shared by every shard (same wall-clock anchor, same start seq, skipped ticks
 * consume their seq), then reports its figures over IPC.
 */
import { systemClock } from '../lib/broadcast/clock.ts';
import { FanOut } from '../lib/broadcast/fanout.ts';
import { campaignStateFrame } from '../lib/broadcast/frame.ts';
import { connectionsOfShard } from '../lib/broadcast/shards.ts';
import { SignedPoster } from '../lib/broadcast/signed-post.ts';
import { runTicks } from '../lib/broadcast/ticker.ts';

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
}

export interface ShardReport {
  shard: number;
  connections: number;
  /** seq of every emitted tick, with its due time (epoch ms). */
  ticks: Array<[seq: number, dueWallMs: number]>;
  lateness: number[];
  sent: number;
  dropped: number;
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
  const fan = new FanOut({ post: poster.post, concurrency: job.concurrency });
  const toMono = (wall: number): number => systemClock.now() + (wall - Date.now());
  const anchor = toMono(job.anchorWallMs);
  const ticks: Array<[number, number]> = [];
  const cpu = process.cpuUsage();
  const result = await runTicks({
    clock: systemClock,
    anchorAt: anchor,
    durationMs: toMono(job.endWallMs) - systemClock.now(),
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
          payload: {
            leaderboard: [{ user: 'player-1', score: tick.seq }],
            live_participant_count: ids.length,
          },
        }),
      );
    },
  });
  await fan.drain();
  const used = process.cpuUsage(cpu);
  poster.close();
  const totals = fan.totals();
  return {
    shard: job.shard,
    connections: ids.length,
    ticks,
    lateness: result.lateness,
    sent: totals.sent,
    dropped: totals.dropped,
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
