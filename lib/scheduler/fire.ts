/**
 * Firing: the schedule of a generation fired, so its action runs once — under a lease, retried
 * by EventBridge Scheduler while attempts remain — and the intent ends executed, failed or
 * cancelled (its entity gone), with its event.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/dynamodb.ts';
import { isTemporaError, validationError } from '../errors.ts';
import { logger } from '../observability.ts';
import type { IntentRecord } from './intent.ts';
import { ENTITY_DELETED, type IntentTable, MAX_ATTEMPTS } from './intent-table.ts';

/** How long a firing holds its intent (a retry of the schedule takes it over after that). */
const LEASE_MS = 60_000;

/** Runs an intent's action (replaceable in tests to force interleavings). */
export type ActionRunner = (intent: IntentRecord) => Promise<void>;

/**
 * The schedule fired: run the action once. Returns what happened; throws to have
 * EventBridge Scheduler retry a failed attempt while attempts remain.
 */
export async function fire(
  t: IntentTable,
  runAction: ActionRunner,
  intentIdValue: string,
  generation: number,
): Promise<'executed' | 'skipped' | 'cancelled' | 'failed'> {
  const now = t.now();
  let intent: IntentRecord;
  try {
    const out = await t.deps.ddb.send(
      new UpdateCommand({
        TableName: t.deps.tables.intents,
        Key: { id: intentIdValue },
        UpdateExpression:
          'SET #status = :executing, lease_until = :lease, attempts = attempts + :one, updated_at = :now REMOVE deferred_key',
        ConditionExpression:
          'generation = :g AND (#status = :scheduled OR (#status = :executing AND lease_until < :nowMs))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':executing': 'executing',
          ':scheduled': 'scheduled',
          ':lease': now.getTime() + LEASE_MS,
          ':nowMs': now.getTime(),
          ':one': 1,
          ':g': generation,
          ':now': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    intent = out.Attributes as IntentRecord;
  } catch (e) {
    if (isConditionFailure(e)) {
      logger.info('fire skipped: intent cancelled, replaced or already running/done', {
        intent_id: intentIdValue,
      });
      return 'skipped';
    }
    throw e;
  }
  const entityExists = await t.syncEntity(intent);
  if (intent.action === 'run_pattern' && !entityExists) {
    // Deleted before its deletion event reached the scheduler: cancelled, as that event's
    // cascade would have done, rather than running a pattern on an entity that is gone.
    await finish(t, intent, 'cancelled', ENTITY_DELETED);
    return 'cancelled';
  }
  try {
    await runAction(intent);
  } catch (e) {
    const reason = (e as Error).message;
    if (intent.attempts >= MAX_ATTEMPTS || (isTemporaError(e) && e.status < 500)) {
      await finish(t, intent, 'failed', reason);
      return 'failed';
    }
    await release(t, intent);
    throw e;
  }
  await finish(t, intent, 'executed');
  return 'executed';
}

/** executing → executed | failed, with its event(s). */
export async function finish(
  t: IntentTable,
  intent: IntentRecord,
  status: 'executed' | 'failed' | 'cancelled',
  reason?: string,
): Promise<void> {
  const now = t.now().toISOString();
  await t.transact([
    {
      Update: {
        TableName: t.deps.tables.intents,
        Key: { id: intent.id },
        UpdateExpression: `SET #status = :status, updated_at = :now${reason ? ', reason = :reason' : ''}`,
        ConditionExpression: 'generation = :g AND #status IN (:executing, :scheduled)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':now': now,
          ':g': intent.generation,
          ':executing': 'executing',
          ':scheduled': 'scheduled',
          ...(reason ? { ':reason': reason } : {}),
        },
      },
    },
    t.outbox(t.intentEvent(`scheduler.${status}`, intent, reason ? { reason } : {})),
  ]);
  await t.syncEntity({ ...intent, status, updated_at: now, ...(reason ? { reason } : {}) });
}

/** Give the lease back so a retry of the schedule can take it. */
export async function release(t: IntentTable, intent: IntentRecord): Promise<void> {
  await t.deps.ddb.send(
    new UpdateCommand({
      TableName: t.deps.tables.intents,
      Key: { id: intent.id },
      UpdateExpression: 'SET lease_until = :zero',
      ConditionExpression: 'generation = :g AND #status = :executing',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':zero': 0, ':g': intent.generation, ':executing': 'executing' },
    }),
  );
}

export async function defaultAction(t: IntentTable, intent: IntentRecord): Promise<void> {
  const ctx = t.systemCtx(intent.correlation_id);
  if (intent.action === 'run_pattern') {
    await t.emitEvent(
      t.intentEvent('pattern.run', intent, { pattern: intent.pattern, payload: intent.payload ?? {} }),
    );
    return;
  }
  const store = t.deps.storeFor(intent.entity_type);
  if (!store)
    throw validationError([{ path: 'entity.type', message: `unknown entity type "${intent.entity_type}"` }]);
  try {
    if (intent.action === 'delete') await store.remove(intent.entity_id, ctx);
    else if (intent.action === 'archive') await store.patch(intent.entity_id, { state: 'archived' }, ctx);
  } catch (e) {
    // The entity is already gone: the action's effect holds.
    if (isTemporaError(e) && e.status === 404) return;
    throw e;
  }
}
