/**
 * Scheduling an intent: a `scheduler.schedule` payload validated and kept as a new generation
 * of the entity's intent of that pattern, or an intent rescheduled in place; within the horizon
 * its schedule is made at once (materialize.ts), else it stays deferred.
 */
import { applied } from '../aws/dynamodb.ts';
import {
  conflict,
  isTemporaError,
  notFound,
  TemporaError,
  toFieldIssues,
  validationError,
} from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { MIN_LEAD_MS, type SchedulePayload, schedulePayloadSchema } from '../events/schedule.ts';
import type { RescheduleBody } from './contract-schemas.ts';
import { DEFERRED, type IntentRecord } from './intent.ts';
import { type IntentTable, SCHEDULER_ACTOR, WRITE_RETRIES } from './intent-table.ts';
import { materializeOne } from './materialize.ts';
import { intentId, scheduleName } from './names.ts';

/**
 * Validate a `scheduler.schedule` payload and keep it as an intent (a new generation of the
 * entity's intent of that pattern); within the horizon its schedule is made at once.
 */
export async function scheduleIntent(
  t: IntentTable,
  input: unknown,
  correlationId: string,
): Promise<IntentRecord> {
  const p = await validate(t, input);
  const id = intentId(p.entity.type, p.entity.id, p.pattern);
  const runAt = new Date(p.run_at).toISOString();
  for (let attempt = 1; ; attempt++) {
    const prev = await t.get(id);
    const generation = (prev?.generation ?? 0) + 1;
    const now = t.now().toISOString();
    const intent: IntentRecord = {
      id,
      entity_type: p.entity.type,
      entity_id: p.entity.id,
      action: p.action,
      pattern: p.pattern,
      run_at: runAt,
      cancel_on: p.cancel_on,
      payload: p.payload ?? {},
      status: 'scheduled',
      generation,
      attempts: 0,
      lease_until: 0,
      schedule_name: scheduleName(t.deps.environment, id, generation),
      schedule: 'deferred',
      deferred_key: DEFERRED,
      correlation_id: correlationId,
      created_at: prev?.created_at ?? now,
      updated_at: now,
    };
    const within = t.withinHorizon(runAt);
    const written = await applied(
      t.transact([
        {
          Put: {
            TableName: t.deps.tables.intents,
            Item: intent,
            ...(prev
              ? {
                  ConditionExpression: 'generation = :g',
                  ExpressionAttributeValues: { ':g': prev.generation },
                }
              : { ConditionExpression: 'attribute_not_exists(id)' }),
          },
        },
        ...(within ? [] : [t.outbox(t.intentEvent('scheduler.deferred', intent, { schedule: 'deferred' }))]),
      ]),
    );
    if (!written) {
      if (attempt < WRITE_RETRIES) continue;
      throw conflict(`Intent "${id}" is being scheduled concurrently; retry`);
    }
    // The replaced generation's schedule would only be skipped when it fires: free it now.
    if (prev?.status === 'scheduled' && prev.schedule === 'created')
      await t.deps.schedules.remove(prev.schedule_name);
    let record = intent;
    if (within) {
      const made = await materializeOne(t, intent, 'scheduler.scheduled');
      if (made.outcome === 'created') record = made.intent;
      else if (made.outcome === 'failed')
        await t.emitEvent(
          t.intentEvent('scheduler.deferred', intent, {
            schedule: 'deferred',
            reason: `the schedule could not be created (${made.reason}); the materializer retries`,
          }),
        );
    }
    await t.syncEntity(record);
    return record;
  }
}

/**
 * Reschedule in place (`PATCH /api/scheduler/intents/{id}`): a new `run_at` and/or
 * `cancel_on` as a new generation, with `scheduler.rescheduled`, in one conditional write.
 * The old generation's schedule is deleted (and would be skipped if it fired); the new one is
 * made within the horizon, else deferred. 409 unless scheduled; a past `run_at` is a 400.
 */
export async function reschedule(
  t: IntentTable,
  id: string,
  body: RescheduleBody,
  correlationId: string,
): Promise<IntentRecord> {
  if (body.run_at !== undefined && Date.parse(body.run_at) < t.now().getTime() + MIN_LEAD_MS)
    throw validationError([{ path: 'run_at', message: 'must be in the future' }]);
  for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
    const current = await t.get(id);
    if (!current) throw notFound(`Intent "${id}" not found`);
    if (current.status !== 'scheduled') return t.refuse(id, 'rescheduled', current);
    const generation = current.generation + 1;
    const runAt = body.run_at === undefined ? current.run_at : new Date(body.run_at).toISOString();
    const within = t.withinHorizon(runAt);
    const record: IntentRecord = {
      ...current,
      run_at: runAt,
      cancel_on: body.cancel_on ?? current.cancel_on,
      generation,
      schedule_name: scheduleName(t.deps.environment, id, generation),
      schedule: 'deferred',
      deferred_key: DEFERRED,
      updated_at: t.now().toISOString(),
    };
    const done = await applied(
      t.transact([
        {
          Update: {
            TableName: t.deps.tables.intents,
            Key: { id },
            UpdateExpression:
              'SET run_at = :run_at, cancel_on = :cancel_on, generation = :next, schedule_name = :name, ' +
              '#schedule = :deferred, deferred_key = :deferred, updated_at = :now',
            ConditionExpression: '#status = :scheduled AND generation = :g AND #schedule = :schedule',
            ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
            ExpressionAttributeValues: {
              ':run_at': record.run_at,
              ':cancel_on': record.cancel_on,
              ':next': generation,
              ':name': record.schedule_name,
              ':deferred': DEFERRED,
              ':now': record.updated_at,
              ':scheduled': 'scheduled',
              ':g': current.generation,
              ':schedule': current.schedule,
            },
          },
        },
        t.outbox(
          t.intentEvent(
            'scheduler.rescheduled',
            record,
            {
              from_run_at: current.run_at,
              cancel_on: record.cancel_on,
              schedule: within ? 'created' : 'deferred',
            },
            correlationId,
          ),
        ),
      ]),
    );
    if (!done) continue;
    if (current.schedule === 'created') await t.deps.schedules.remove(current.schedule_name);
    let result = record;
    if (within) {
      const made = await materializeOne(t, record);
      if (made.outcome === 'created') result = made.intent;
    }
    await t.syncEntity(result);
    return result;
  }
  throw conflict(`Intent "${id}" changed while being rescheduled; retry`);
}

export async function validate(t: IntentTable, input: unknown): Promise<SchedulePayload> {
  const parsed = schedulePayloadSchema.safeParse(input);
  if (!parsed.success) throw validationError(toFieldIssues(parsed.error.issues));
  const p = parsed.data;
  if (new Date(p.run_at).getTime() < t.now().getTime() + MIN_LEAD_MS) {
    throw validationError([{ path: 'run_at', message: 'must be in the future' }]);
  }
  if (!t.deps.storeFor(p.entity.type))
    throw validationError([{ path: 'entity.type', message: `unknown entity type "${p.entity.type}"` }]);
  if (!(await entityExists(t, p.entity.type, p.entity.id)))
    throw validationError([{ path: 'entity.id', message: `no ${p.entity.type} "${p.entity.id}"` }]);
  return p;
}

/** Whether the entity exists (true for a type without a store: such intents are refused earlier). */
export async function entityExists(t: IntentTable, type: string, id: string): Promise<boolean> {
  const store = t.deps.storeFor(type);
  if (!store) return true;
  try {
    await store.get(id, SCHEDULER_ACTOR, { system: true });
    return true;
  } catch (e) {
    if (isTemporaError(e) && e.status === 404) return false;
    throw e;
  }
}

/** Schedule from an event; a bad request becomes `scheduler.failed` with the reason (nothing scheduled). */
export async function scheduleFromEvent(
  t: IntentTable,
  envelope: EventEnvelope,
  payload: unknown,
): Promise<void> {
  try {
    await scheduleIntent(t, payload, envelope.correlation_id);
  } catch (e) {
    if (!(e instanceof TemporaError) || e.status >= 500) throw e;
    const p = (payload ?? {}) as { entity?: { type?: unknown; id?: unknown } };
    await t.emitEvent(
      t.event(
        'scheduler.failed',
        envelope.correlation_id,
        {
          type: typeof p.entity?.type === 'string' ? p.entity.type : envelope.entity.type,
          id: typeof p.entity?.id === 'string' ? p.entity.id : envelope.entity.id,
          version: 0,
        },
        { reason: e.message, request_id: envelope.id, details: e.details ?? null },
      ),
    );
  }
}
