/**
 * Materializing: making a deferred generation's EventBridge Scheduler schedule and recording it
 * (`deferred → created`), one intent at a time or as a materializer run over the intents due
 * within the horizon (docs/scheduler.md).
 */
import { applied, queryPages } from '../aws/dynamodb.ts';
import { logger } from '../observability.ts';
import { DEFERRED, INDEX, type IntentRecord } from './intent.ts';
import { DEFAULT_MATERIALIZE_LIMIT, type IntentTable, MIN_SCHEDULE_LEAD_MS } from './intent-table.ts';

/** Schedules made at the same time by a materializer run. */
const MATERIALIZE_CONCURRENCY = 8;

/** What making a generation's schedule came to. */
export type Materialized =
  | { outcome: 'created'; intent: IntentRecord }
  | { outcome: 'failed'; reason: string }
  /** Cancelled, rescheduled, fired or made by someone else in between: nothing left to do. */
  | { outcome: 'lost' };

/**
 * Make the schedule of a deferred intent's generation and record it (`deferred → created`,
 * with `event` if given). A schedule that cannot be made leaves the intent deferred (the next
 * materializer run retries); one made for a generation that meanwhile was cancelled,
 * rescheduled or fired is deleted again unless that generation owns it.
 */
export async function materializeOne(
  t: IntentTable,
  intent: IntentRecord,
  event?: 'scheduler.scheduled' | 'scheduler.materialized',
): Promise<Materialized> {
  const now = t.now();
  const at = new Date(Math.max(Date.parse(intent.run_at), now.getTime() + MIN_SCHEDULE_LEAD_MS));
  try {
    await t.deps.schedules.upsert(intent.schedule_name, at, {
      kind: 'scheduler.fire',
      intent_id: intent.id,
      generation: intent.generation,
    });
  } catch (e) {
    const reason = (e as Error).message;
    logger.warn('schedule not created: the intent stays deferred', { intent_id: intent.id, reason });
    return { outcome: 'failed', reason };
  }
  const { deferred_key: _, ...rest } = intent;
  const record: IntentRecord = { ...rest, schedule: 'created', updated_at: now.toISOString() };
  const claimed = await applied(
    t.transact([
      {
        Update: {
          TableName: t.deps.tables.intents,
          Key: { id: intent.id },
          UpdateExpression: 'SET #schedule = :created, updated_at = :now REMOVE deferred_key',
          ConditionExpression: '#status = :scheduled AND generation = :g AND #schedule = :deferred',
          ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
          ExpressionAttributeValues: {
            ':created': 'created',
            ':deferred': 'deferred',
            ':scheduled': 'scheduled',
            ':g': intent.generation,
            ':now': record.updated_at,
          },
        },
      },
      ...(event ? [t.outbox(t.intentEvent(event, record, { schedule: 'created' }))] : []),
    ]),
  );
  if (claimed) return { outcome: 'created', intent: record };
  // Keep it only while this generation still uses it: recorded by another run, or firing
  // (its retries come from it). Fired and done, it was made again after its firing: delete.
  const current = await t.get(intent.id);
  const owns =
    current?.generation === intent.generation &&
    (current.status === 'executing' || (current.status === 'scheduled' && current.schedule === 'created'));
  if (!owns) await t.deps.schedules.remove(intent.schedule_name);
  return { outcome: 'lost' };
}

/**
 * One materializer run (an EventBridge rule, every few minutes): the deferred intents due
 * within the horizon, soonest first, at most `limit` of them (the next run takes the rest).
 * Idempotent: an intent already materialized is no longer in the index; a concurrent run
 * loses the conditional write and leaves the schedule to the winner.
 */
export async function materialize(
  t: IntentTable,
  limit = t.deps.materializeLimit ?? DEFAULT_MATERIALIZE_LIMIT,
) {
  const counts = { created: 0, failed: 0, lost: 0 };
  // Without a horizon, only intents whose schedule could not be made are deferred: all of them.
  const until = Number.isFinite(t.horizonMs)
    ? new Date(t.now().getTime() + t.horizonMs).toISOString()
    : '9999-12-31T23:59:59.999Z';
  let seen = 0;
  for await (const page of queryPages<IntentRecord>(t.deps.ddb, {
    TableName: t.deps.tables.intents,
    IndexName: INDEX.deferred,
    KeyConditionExpression: 'deferred_key = :d AND run_at <= :until',
    ExpressionAttributeValues: { ':d': DEFERRED, ':until': until },
    Limit: Math.min(100, limit),
  })) {
    const batch = page.items.slice(0, limit - seen);
    seen += batch.length;
    for (let i = 0; i < batch.length; i += MATERIALIZE_CONCURRENCY) {
      const made = await Promise.all(
        batch
          .slice(i, i + MATERIALIZE_CONCURRENCY)
          .map((x) => materializeOne(t, x, 'scheduler.materialized')),
      );
      for (const m of made) counts[m.outcome]++;
    }
    if (seen >= limit) break;
  }
  if (seen) logger.info('materializer run', { ...counts, until });
  return counts;
}
