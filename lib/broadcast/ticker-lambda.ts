/**
 * functions/broadcast-ticker: the ticker state machine's Task. Each invocation is one tick burst
 * of about a minute (./burst.ts), or one shard's run of a plan (./shard-burst.ts) when the input
 * names a shard; it returns the next burst's input with `continue` for the Choice state.
 * Tick metrics are Powertools EMF, buffered and flushed every refresh (not per invocation).
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { directHandler } from '../lambda-kit/direct.ts';
import { lazy } from '../lambda-kit/lazy.ts';
import { logger, metrics } from '../observability.ts';
import { runBurst } from './burst.ts';
import type { TickInput } from './machine.ts';
import { runShardBurst } from './shard-burst.ts';
import type { TickMetrics } from './tick-sender.ts';
import { tickerWiring } from './wiring.ts';

const int = (min: number) => z.number().check(z.int(), z.gte(min));
const tickInputSchema = z.object({
  kind: z.literal('broadcast.tick'),
  campaign_id: z.string().check(z.minLength(1)),
  execution: z.string().check(z.minLength(1)),
  epoch: int(1),
  generation: int(0),
  seq: int(1),
  iterations: int(0),
  announced: z.boolean(),
  next_tick_at: z.optional(z.number()),
  missed: z.optional(z.record(z.string(), int(1))),
  shard: z.optional(
    z.object({
      index: int(1),
      count: int(2),
      plan: z.string().check(z.minLength(1)),
      owner: z.string().check(z.minLength(1)),
      anchor_at: z.number(),
      seq: int(1),
      hz: z.number().check(z.positive()),
      ends_at: z.number(),
    }),
  ),
});

/** One tick's metrics, buffered until the next flush. */
function tickMetrics(m: TickMetrics): void {
  metrics.addMetric('TickLateness', 'Milliseconds', m.lateness);
  metrics.addMetric('FramesSent', 'Count', m.sent);
  metrics.addMetric('FramesDropped', 'Count', m.dropped);
  metrics.addMetric('FramesThinned', 'Count', m.thinned);
  metrics.addMetric('PostsThrottled', 'Count', m.throttled);
  metrics.addMetric('ConnectionsGone', 'Count', m.gone);
  metrics.addMetric('PostsFailed', 'Count', m.failed);
  metrics.addMetric('EventsPublished', 'Count', m.published);
  if (m.deltaPublished > 0) metrics.addMetric('EventsDeltaPublished', 'Count', m.deltaPublished);
  metrics.addMetric('ShareLimited', 'Count', m.shareLimited ? 1 : 0);
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
  const { settings, ports, beat, readBeat } = tickerWiring();
  const id = input.campaign_id;
  logger.appendKeys({ campaign_id: id, execution: input.execution });
  const withMetrics = { ...ports, onTick: tickMetrics, onRefresh: () => flushMetrics(id) };
  const common = { concurrency: settings.concurrency, postsPerSecond: settings.postsPerSecond };
  const options = { ...common, heartbeatMs: settings.heartbeatMs, startLeadMs: settings.startLeadMs };
  if (input.shard !== undefined) {
    logger.appendKeys({ shard: input.shard.index });
    return runShardBurst(input, { ...withMetrics, beat, readBeat }, options);
  }
  const started = Date.now();
  const budgetMs = Math.max(
    1_000,
    Math.min(settings.burstMs, context.getRemainingTimeInMillis() - BURST_SAFETY_MS),
  );
  const output = await runBurst(input, withMetrics, {
    ...options,
    budgetMs,
    maxIterations: settings.maxIterations,
    connectionsPerShard: settings.connectionsPerShard,
    autoEventsPostsPerSec: settings.autoEventsPostsPerSec,
  });
  logger.info('burst done', {
    ms: Date.now() - started,
    seq: output.seq,
    iterations: output.iterations,
    continue: output.continue,
  });
  return output;
}

/** The Task's handler: no per-invocation metrics flush (a burst flushes its own, every refresh). */
export const handler = lazy(() => directHandler(tick, { metrics: false }));
