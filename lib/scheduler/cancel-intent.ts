/**
 * Cancelling intents: one by id (API), every intent of an entity whose `cancel_on` lists an
 * event, every intent of a deleted entity; each the same conditional transition
 * ({@link tryCancel}), which bulk cancellations (cancellations.ts) use too.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from '../aws/dynamodb.ts';
import { notFound } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { logger } from '../observability.ts';
import { INDEX, type IntentRecord } from './intent.ts';
import { ENTITY_DELETED, type IntentTable, type TransactItem, WRITE_RETRIES } from './intent-table.ts';

/** A bulk cancellation cancelling an intent: its id, and its counter (same transaction). */
export interface CancelJob {
  id: string;
  counter: TransactItem;
}

/** Cancel every scheduled intent of the event's entity whose `cancel_on` lists the event type. */
export async function cancelMatching(t: IntentTable, envelope: EventEnvelope): Promise<IntentRecord[]> {
  const out = await t.deps.ddb.send(
    new QueryCommand({
      TableName: t.deps.tables.intents,
      IndexName: INDEX.entity,
      KeyConditionExpression: 'entity_id = :e',
      FilterExpression: '#status = :s AND contains(cancel_on, :t) AND entity_type = :et',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':e': envelope.entity.id,
        ':s': 'scheduled',
        ':t': envelope.type,
        ':et': envelope.entity.type,
      },
    }),
  );
  const cancelled: IntentRecord[] = [];
  for (const item of out.Items ?? []) {
    const r = await tryCancel(t, item as IntentRecord, `cancelled by ${envelope.type} (${envelope.id})`, {
      sameGeneration: true,
    });
    if (r) cancelled.push(r);
  }
  return cancelled;
}

/**
 * The cascade of a deletion: every intent of the deleted entity still scheduled is cancelled
 * (`scheduler.cancelled`, reason {@link ENTITY_DELETED}, in the deletion's story: its
 * correlation id), so nothing fires on an entity that no longer exists. The intent that ran
 * a scheduled delete is executing, not scheduled: it finishes as executed.
 */
export async function cancelForDeleted(t: IntentTable, envelope: EventEnvelope): Promise<IntentRecord[]> {
  const out = await t.deps.ddb.send(
    new QueryCommand({
      TableName: t.deps.tables.intents,
      IndexName: INDEX.entity,
      KeyConditionExpression: 'entity_id = :e',
      FilterExpression: '#status = :s AND entity_type = :et',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':e': envelope.entity.id,
        ':s': 'scheduled',
        ':et': envelope.entity.type,
      },
    }),
  );
  const cancelled: IntentRecord[] = [];
  for (const item of out.Items ?? []) {
    const r = await tryCancel(t, item as IntentRecord, ENTITY_DELETED, {
      correlationId: envelope.correlation_id,
    });
    if (r) cancelled.push(r);
  }
  if (cancelled.length)
    logger.info('intents cancelled: entity deleted', {
      entity_id: envelope.entity.id,
      intents: cancelled.map((i) => i.id),
    });
  return cancelled;
}

/** Cancel one intent by id (API). 404 unknown, 409 when it is no longer scheduled. */
export async function cancelIntent(
  t: IntentTable,
  id: string,
  reason: string,
  correlationId?: string,
): Promise<IntentRecord> {
  const current = await t.get(id);
  if (!current) throw notFound(`Intent "${id}" not found`);
  const r = await tryCancel(t, current, reason, { ...(correlationId ? { correlationId } : {}) });
  if (r) return r;
  return t.refuse(id, 'cancelled');
}

/**
 * scheduled → cancelled, with its event (and a bulk cancellation's counter), in one
 * conditional transaction; then the schedule the intent had recorded is deleted. undefined
 * when it is not scheduled (any more). The condition includes the schedule state read, so a
 * materializer recording a schedule in between makes it read again (and delete that one).
 */
export async function tryCancel(
  t: IntentTable,
  intent: IntentRecord,
  reason: string,
  opts: { correlationId?: string; job?: CancelJob; sameGeneration?: boolean } = {},
): Promise<IntentRecord | undefined> {
  let current: IntentRecord | undefined = intent;
  for (let attempt = 0; current?.status === 'scheduled' && attempt < WRITE_RETRIES; attempt++) {
    const seen: IntentRecord = current;
    const { deferred_key: _, ...rest } = seen;
    const record: IntentRecord = {
      ...rest,
      status: 'cancelled',
      reason,
      updated_at: t.now().toISOString(),
      ...(opts.job ? { job_id: opts.job.id } : {}),
    };
    const done = await applied(
      t.transact([
        {
          Update: {
            TableName: t.deps.tables.intents,
            Key: { id: seen.id },
            UpdateExpression: `SET #status = :cancelled, reason = :reason, updated_at = :now${opts.job ? ', job_id = :job' : ''} REMOVE deferred_key`,
            ConditionExpression: '#status = :scheduled AND generation = :g AND #schedule = :schedule',
            ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':scheduled': 'scheduled',
              ':reason': reason,
              ':now': record.updated_at,
              ':g': seen.generation,
              ':schedule': seen.schedule,
              ...(opts.job ? { ':job': opts.job.id } : {}),
            },
          },
        },
        t.outbox(
          t.intentEvent(
            'scheduler.cancelled',
            seen,
            { reason, ...(opts.job ? { job_id: opts.job.id } : {}) },
            opts.correlationId,
          ),
        ),
        ...(opts.job ? [opts.job.counter] : []),
      ]),
    );
    if (done) {
      if (seen.schedule === 'created') await t.deps.schedules.remove(seen.schedule_name);
      await t.syncEntity(record);
      return record;
    }
    current = await t.get(seen.id);
    if (opts.sameGeneration && current?.generation !== seen.generation) return undefined;
  }
  return undefined;
}
