/**
 * Optimistic scheduling: future intents kept as one-time schedules, cancelled by the events
 * they list, otherwise executed exactly once (docs/scheduler.md).
 *
 * Every state change of an intent is ONE conditional write on its `generation` and `status`
 * (with the event it emits, through the outbox), never a read-then-write:
 *   scheduled ──fire──▶ executing ──▶ executed | failed
 *   scheduled ──cancel──▶ cancelled
 *   scheduled ──reschedule──▶ scheduled (generation + 1)
 * and, within `scheduled`, the schedule's own state: `deferred` (only the table holds it: beyond
 * the horizon, or its schedule not made yet) ──materialize──▶ `created`. Each generation has
 * its own EventBridge Scheduler schedule (lib/scheduler/names.ts), made BEFORE the write that
 * records it (`deferred → created`, conditional on the generation, the status and the schedule
 * state): a materializer that loses that write to a cancel, a reschedule or a fire deletes the
 * schedule it made, unless its generation still owns it; a cancel or a reschedule conditions on
 * the schedule state it read, so it deletes exactly the schedules that were recorded. A fire of
 * any generation but the current one, or of an intent no longer `scheduled`, is skipped.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied, isConditionFailure, queryPages } from '../aws/dynamodb.ts';
import {
  conflict,
  isTemporaError,
  notFound,
  TemporaError,
  toFieldIssues,
  validationError,
} from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { emit, outboxPut } from '../events/outbox.ts';
import { MIN_LEAD_MS, type SchedulePayload, schedulePayloadSchema } from '../events/schedule.ts';
import { logger } from '../observability.ts';
import type { EntityStore, RequestContext } from '../store/entity-store.ts';
import type { RescheduleBody } from './contract-schemas.ts';
import { DEFERRED, INDEX, type IntentRecord } from './intent.ts';
import { intentId, scheduleName } from './names.ts';
import type { Schedules } from './schedules.ts';

export type { IntentRecord, IntentStatus, ScheduleState } from './intent.ts';

/** The principal the scheduler acts as; events it causes are not fed back to it. */
export const SCHEDULER_ACTOR = { sub: 'tempora.scheduler', role: 'service' } as const;
export const MAX_ATTEMPTS = 3;
/** The reason of an intent cancelled because its entity was deleted. */
export const ENTITY_DELETED = 'entity_deleted';
/** The horizon of a production stack: schedules are made at most this far ahead. */
export const DEFAULT_HORIZON_MS = 7 * 86_400_000;
/** A schedule is never set earlier than this from now (an overdue deferred intent fires at once). */
export const MIN_SCHEDULE_LEAD_MS = 5_000;
/** Intents one materializer run makes schedules for, at most (the next run takes the rest). */
export const DEFAULT_MATERIALIZE_LIMIT = 1000;
const LEASE_MS = 60_000;
/** Schedules made at the same time by a materializer run. */
const MATERIALIZE_CONCURRENCY = 8;
/** Conditional writes retried after a concurrent change of the schedule state (a materializer). */
const WRITE_RETRIES = 3;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface SchedulerDeps {
  ddb: DynamoDBDocumentClient;
  tables: { intents: string; outbox: string };
  environment: string;
  schedules: Schedules;
  /** The entity store of the service owning an entity type, if any. */
  storeFor: (entityType: string) => EntityStore | undefined;
  now?: () => Date;
  /**
   * How far ahead of `run_at` an intent's schedule is made (ms; default {@link DEFAULT_HORIZON_MS});
   * `Infinity`: at once, whatever `run_at` (no horizon).
   */
  horizonMs?: number;
  /** Intents one materializer run makes schedules for (default {@link DEFAULT_MATERIALIZE_LIMIT}). */
  materializeLimit?: number;
}

/** Runs an intent's action (replaceable in tests to force interleavings). */
export type ActionRunner = (intent: IntentRecord) => Promise<void>;

/** What making a generation's schedule came to. */
export type Materialized =
  | { outcome: 'created'; intent: IntentRecord }
  | { outcome: 'failed'; reason: string }
  /** Cancelled, rescheduled, fired or made by someone else in between: nothing left to do. */
  | { outcome: 'lost' };

/** A bulk cancellation cancelling an intent: its id, and its counter (same transaction). */
export interface CancelJob {
  id: string;
  counter: TransactItem;
}

export class SchedulerService {
  private readonly now: () => Date;
  readonly horizonMs: number;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly runAction: ActionRunner = (i) => this.defaultAction(i),
  ) {
    this.now = deps.now ?? (() => new Date());
    this.horizonMs = deps.horizonMs ?? DEFAULT_HORIZON_MS;
  }

  /**
   * Validate a `scheduler.schedule` payload and keep it as an intent (a new generation of the
   * entity's intent of that pattern); within the horizon its schedule is made at once.
   */
  async schedule(input: unknown, correlationId: string): Promise<IntentRecord> {
    const p = await this.validate(input);
    const id = intentId(p.entity.type, p.entity.id, p.pattern);
    const runAt = new Date(p.run_at).toISOString();
    for (let attempt = 1; ; attempt++) {
      const prev = await this.get(id);
      const generation = (prev?.generation ?? 0) + 1;
      const now = this.now().toISOString();
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
        schedule_name: scheduleName(this.deps.environment, id, generation),
        schedule: 'deferred',
        deferred_key: DEFERRED,
        correlation_id: correlationId,
        created_at: prev?.created_at ?? now,
        updated_at: now,
      };
      const within = this.withinHorizon(runAt);
      const written = await applied(
        this.transact([
          {
            Put: {
              TableName: this.deps.tables.intents,
              Item: intent,
              ...(prev
                ? {
                    ConditionExpression: 'generation = :g',
                    ExpressionAttributeValues: { ':g': prev.generation },
                  }
                : { ConditionExpression: 'attribute_not_exists(id)' }),
            },
          },
          ...(within
            ? []
            : [this.outbox(this.intentEvent('scheduler.deferred', intent, { schedule: 'deferred' }))]),
        ]),
      );
      if (!written) {
        if (attempt < WRITE_RETRIES) continue;
        throw conflict(`Intent "${id}" is being scheduled concurrently; retry`);
      }
      // The replaced generation's schedule would only be skipped when it fires: free it now.
      if (prev?.status === 'scheduled' && prev.schedule === 'created')
        await this.deps.schedules.remove(prev.schedule_name);
      let record = intent;
      if (within) {
        const made = await this.materializeOne(intent, 'scheduler.scheduled');
        if (made.outcome === 'created') record = made.intent;
        else if (made.outcome === 'failed')
          await this.emitEvent(
            this.intentEvent('scheduler.deferred', intent, {
              schedule: 'deferred',
              reason: `the schedule could not be created (${made.reason}); the materializer retries`,
            }),
          );
      }
      await this.syncEntity(record);
      return record;
    }
  }

  /**
   * Make the schedule of a deferred intent's generation and record it (`deferred → created`,
   * with `event` if given). A schedule that cannot be made leaves the intent deferred (the next
   * materializer run retries); one made for a generation that meanwhile was cancelled,
   * rescheduled or fired is deleted again unless that generation owns it.
   */
  async materializeOne(
    intent: IntentRecord,
    event?: 'scheduler.scheduled' | 'scheduler.materialized',
  ): Promise<Materialized> {
    const now = this.now();
    const at = new Date(Math.max(Date.parse(intent.run_at), now.getTime() + MIN_SCHEDULE_LEAD_MS));
    try {
      await this.deps.schedules.upsert(intent.schedule_name, at, {
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
      this.transact([
        {
          Update: {
            TableName: this.deps.tables.intents,
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
        ...(event ? [this.outbox(this.intentEvent(event, record, { schedule: 'created' }))] : []),
      ]),
    );
    if (claimed) return { outcome: 'created', intent: record };
    // Keep it only while this generation still uses it: recorded by another run, or firing
    // (its retries come from it). Fired and done, it was made again after its firing: delete.
    const current = await this.get(intent.id);
    const owns =
      current?.generation === intent.generation &&
      (current.status === 'executing' || (current.status === 'scheduled' && current.schedule === 'created'));
    if (!owns) await this.deps.schedules.remove(intent.schedule_name);
    return { outcome: 'lost' };
  }

  /**
   * One materializer run (an EventBridge rule, every few minutes): the deferred intents due
   * within the horizon, soonest first, at most `limit` of them (the next run takes the rest).
   * Idempotent: an intent already materialized is no longer in the index; a concurrent run
   * loses the conditional write and leaves the schedule to the winner.
   */
  async materialize(limit = this.deps.materializeLimit ?? DEFAULT_MATERIALIZE_LIMIT) {
    const counts = { created: 0, failed: 0, lost: 0 };
    // Without a horizon, only intents whose schedule could not be made are deferred: all of them.
    const until = Number.isFinite(this.horizonMs)
      ? new Date(this.now().getTime() + this.horizonMs).toISOString()
      : '9999-12-31T23:59:59.999Z';
    let seen = 0;
    for await (const page of queryPages<IntentRecord>(this.deps.ddb, {
      TableName: this.deps.tables.intents,
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
            .map((x) => this.materializeOne(x, 'scheduler.materialized')),
        );
        for (const m of made) counts[m.outcome]++;
      }
      if (seen >= limit) break;
    }
    if (seen) logger.info('materializer run', { ...counts, until });
    return counts;
  }

  /** Every Nexus event: schedule requests, cancellations, and fresh intents a verb asked for. */
  async onEvent(envelope: EventEnvelope): Promise<void> {
    if (envelope.type === 'scheduler.schedule') {
      await this.scheduleFromEvent(envelope, envelope.payload);
      return;
    }
    // A deleted entity (by a client or by a scheduled delete) keeps no pending intent.
    if (envelope.type === `${envelope.entity.type}.deleted`) {
      await this.cancelForDeleted(envelope);
      return;
    }
    // Events the scheduler itself caused (its own events, its metadata writes) never feed back.
    if (envelope.source === 'tempora.scheduler' || envelope.actor.id === SCHEDULER_ACTOR.sub) return;
    await this.cancelMatching(envelope);
    const reschedule = envelope.payload?.reschedule;
    if (Array.isArray(reschedule)) {
      for (const p of reschedule) await this.scheduleFromEvent(envelope, p);
    }
  }

  /** Cancel every scheduled intent of the event's entity whose `cancel_on` lists the event type. */
  async cancelMatching(envelope: EventEnvelope): Promise<IntentRecord[]> {
    const out = await this.deps.ddb.send(
      new QueryCommand({
        TableName: this.deps.tables.intents,
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
      const r = await this.tryCancel(item as IntentRecord, `cancelled by ${envelope.type} (${envelope.id})`, {
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
  async cancelForDeleted(envelope: EventEnvelope): Promise<IntentRecord[]> {
    const out = await this.deps.ddb.send(
      new QueryCommand({
        TableName: this.deps.tables.intents,
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
      const r = await this.tryCancel(item as IntentRecord, ENTITY_DELETED, {
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
  async cancel(id: string, reason: string, correlationId?: string): Promise<IntentRecord> {
    const current = await this.get(id);
    if (!current) throw notFound(`Intent "${id}" not found`);
    const r = await this.tryCancel(current, reason, { ...(correlationId ? { correlationId } : {}) });
    if (r) return r;
    return this.refuse(id, 'cancelled');
  }

  /**
   * scheduled → cancelled, with its event (and a bulk cancellation's counter), in one
   * conditional transaction; then the schedule the intent had recorded is deleted. undefined
   * when it is not scheduled (any more). The condition includes the schedule state read, so a
   * materializer recording a schedule in between makes it read again (and delete that one).
   */
  async tryCancel(
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
        updated_at: this.now().toISOString(),
        ...(opts.job ? { job_id: opts.job.id } : {}),
      };
      const done = await applied(
        this.transact([
          {
            Update: {
              TableName: this.deps.tables.intents,
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
          this.outbox(
            this.intentEvent(
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
        if (seen.schedule === 'created') await this.deps.schedules.remove(seen.schedule_name);
        await this.syncEntity(record);
        return record;
      }
      current = await this.get(seen.id);
      if (opts.sameGeneration && current?.generation !== seen.generation) return undefined;
    }
    return undefined;
  }

  /**
   * Reschedule in place (`PATCH /api/scheduler/intents/{id}`): a new `run_at` and/or
   * `cancel_on` as a new generation, with `scheduler.rescheduled`, in one conditional write.
   * The old generation's schedule is deleted (and would be skipped if it fired); the new one is
   * made within the horizon, else deferred. 409 unless scheduled; a past `run_at` is a 400.
   */
  async reschedule(id: string, body: RescheduleBody, correlationId: string): Promise<IntentRecord> {
    if (body.run_at !== undefined && Date.parse(body.run_at) < this.now().getTime() + MIN_LEAD_MS)
      throw validationError([{ path: 'run_at', message: 'must be in the future' }]);
    for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
      const current = await this.get(id);
      if (!current) throw notFound(`Intent "${id}" not found`);
      if (current.status !== 'scheduled') return this.refuse(id, 'rescheduled', current);
      const generation = current.generation + 1;
      const runAt = body.run_at === undefined ? current.run_at : new Date(body.run_at).toISOString();
      const within = this.withinHorizon(runAt);
      const record: IntentRecord = {
        ...current,
        run_at: runAt,
        cancel_on: body.cancel_on ?? current.cancel_on,
        generation,
        schedule_name: scheduleName(this.deps.environment, id, generation),
        schedule: 'deferred',
        deferred_key: DEFERRED,
        updated_at: this.now().toISOString(),
      };
      const done = await applied(
        this.transact([
          {
            Update: {
              TableName: this.deps.tables.intents,
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
          this.outbox(
            this.intentEvent(
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
      if (current.schedule === 'created') await this.deps.schedules.remove(current.schedule_name);
      let result = record;
      if (within) {
        const made = await this.materializeOne(record);
        if (made.outcome === 'created') result = made.intent;
      }
      await this.syncEntity(result);
      return result;
    }
    throw conflict(`Intent "${id}" changed while being rescheduled; retry`);
  }

  /**
   * The schedule fired: run the action once. Returns what happened; throws to have
   * EventBridge Scheduler retry a failed attempt while attempts remain.
   */
  async fire(
    intentIdValue: string,
    generation: number,
  ): Promise<'executed' | 'skipped' | 'cancelled' | 'failed'> {
    const now = this.now();
    let intent: IntentRecord;
    try {
      const out = await this.deps.ddb.send(
        new UpdateCommand({
          TableName: this.deps.tables.intents,
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
    const entityExists = await this.syncEntity(intent);
    if (intent.action === 'run_pattern' && !entityExists) {
      // Deleted before its deletion event reached the scheduler: cancelled, as that event's
      // cascade would have done, rather than running a pattern on an entity that is gone.
      await this.finish(intent, 'cancelled', ENTITY_DELETED);
      return 'cancelled';
    }
    try {
      await this.runAction(intent);
    } catch (e) {
      const reason = (e as Error).message;
      if (intent.attempts >= MAX_ATTEMPTS || (isTemporaError(e) && e.status < 500)) {
        await this.finish(intent, 'failed', reason);
        return 'failed';
      }
      await this.release(intent);
      throw e;
    }
    await this.finish(intent, 'executed');
    return 'executed';
  }

  async get(id: string): Promise<IntentRecord | undefined> {
    const out = await this.deps.ddb.send(
      new GetCommand({ TableName: this.deps.tables.intents, Key: { id }, ConsistentRead: true }),
    );
    return out.Item as IntentRecord | undefined;
  }

  /** An entity's intents, soonest first (Query on the by_entity index). */
  async list(entityId: string): Promise<IntentRecord[]> {
    const out = await this.deps.ddb.send(
      new QueryCommand({
        TableName: this.deps.tables.intents,
        IndexName: INDEX.entity,
        KeyConditionExpression: 'entity_id = :e',
        ExpressionAttributeValues: { ':e': entityId },
      }),
    );
    return (out.Items ?? []) as IntentRecord[];
  }

  /** Whether `runAt` (ISO) is close enough for its schedule to be made now. */
  withinHorizon(runAt: string): boolean {
    return Date.parse(runAt) <= this.now().getTime() + this.horizonMs;
  }

  // ---------------------------------------------------------------------------

  /** 404 when gone, else 409 naming the status that refused `what`. */
  private async refuse(id: string, what: string, known?: IntentRecord): Promise<never> {
    const current = known ?? (await this.get(id));
    if (!current) throw notFound(`Intent "${id}" not found`);
    throw conflict(`Intent "${id}" is ${current.status}; only a scheduled intent can be ${what}`, {
      status: current.status,
    });
  }

  private async validate(input: unknown): Promise<SchedulePayload> {
    const parsed = schedulePayloadSchema.safeParse(input);
    if (!parsed.success) throw validationError(toFieldIssues(parsed.error.issues));
    const p = parsed.data;
    if (new Date(p.run_at).getTime() < this.now().getTime() + MIN_LEAD_MS) {
      throw validationError([{ path: 'run_at', message: 'must be in the future' }]);
    }
    if (!this.deps.storeFor(p.entity.type))
      throw validationError([{ path: 'entity.type', message: `unknown entity type "${p.entity.type}"` }]);
    if (!(await this.entityExists(p.entity.type, p.entity.id)))
      throw validationError([{ path: 'entity.id', message: `no ${p.entity.type} "${p.entity.id}"` }]);
    return p;
  }

  /** Whether the entity exists (true for a type without a store: such intents are refused earlier). */
  private async entityExists(type: string, id: string): Promise<boolean> {
    const store = this.deps.storeFor(type);
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
  private async scheduleFromEvent(envelope: EventEnvelope, payload: unknown): Promise<void> {
    try {
      await this.schedule(payload, envelope.correlation_id);
    } catch (e) {
      if (!(e instanceof TemporaError) || e.status >= 500) throw e;
      const p = (payload ?? {}) as { entity?: { type?: unknown; id?: unknown } };
      await this.emitEvent(
        this.event(
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

  /** executing → executed | failed, with its event(s). */
  private async finish(
    intent: IntentRecord,
    status: 'executed' | 'failed' | 'cancelled',
    reason?: string,
  ): Promise<void> {
    const now = this.now().toISOString();
    await this.transact([
      {
        Update: {
          TableName: this.deps.tables.intents,
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
      this.outbox(this.intentEvent(`scheduler.${status}`, intent, reason ? { reason } : {})),
    ]);
    await this.syncEntity({ ...intent, status, updated_at: now, ...(reason ? { reason } : {}) });
  }

  /** Give the lease back so a retry of the schedule can take it. */
  private async release(intent: IntentRecord): Promise<void> {
    await this.deps.ddb.send(
      new UpdateCommand({
        TableName: this.deps.tables.intents,
        Key: { id: intent.id },
        UpdateExpression: 'SET lease_until = :zero',
        ConditionExpression: 'generation = :g AND #status = :executing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':g': intent.generation, ':executing': 'executing' },
      }),
    );
  }

  private async defaultAction(intent: IntentRecord): Promise<void> {
    const ctx = this.systemCtx(intent.correlation_id);
    if (intent.action === 'run_pattern') {
      await this.emitEvent(
        this.intentEvent('pattern.run', intent, { pattern: intent.pattern, payload: intent.payload ?? {} }),
      );
      return;
    }
    const store = this.deps.storeFor(intent.entity_type);
    if (!store)
      throw validationError([
        { path: 'entity.type', message: `unknown entity type "${intent.entity_type}"` },
      ]);
    try {
      if (intent.action === 'delete') await store.remove(intent.entity_id, ctx);
      else if (intent.action === 'archive') await store.patch(intent.entity_id, { state: 'archived' }, ctx);
    } catch (e) {
      // The entity is already gone: the action's effect holds.
      if (isTemporaError(e) && e.status === 404) return;
      throw e;
    }
  }

  /**
   * Keep `metadata.scheduling.intents[]` of the entity current (one entry per intent). False
   * when the entity is gone (the write found no entity), true otherwise.
   */
  private async syncEntity(intent: IntentRecord): Promise<boolean> {
    const store = this.deps.storeFor(intent.entity_type);
    if (!store) return true;
    try {
      const all = await this.list(intent.entity_id);
      const byId = new Map(all.filter((i) => i.entity_type === intent.entity_type).map((i) => [i.id, i]));
      byId.set(intent.id, intent);
      const intents = [...byId.values()]
        .sort((a, b) => a.run_at.localeCompare(b.run_at))
        .map((i) => ({
          id: i.id,
          action: i.action,
          pattern: i.pattern,
          run_at: i.run_at,
          status: i.status,
          cancel_on: i.cancel_on,
          updated_at: i.updated_at,
        }));
      await store.patch(
        intent.entity_id,
        { metadata: { scheduling: { intents } } },
        this.systemCtx(intent.correlation_id),
      );
    } catch (e) {
      if (isTemporaError(e) && e.status === 404) return false; // deleted entity: nothing to show it on
      logger.warn('could not update the entity intents', { intent_id: intent.id, error: e as Error });
    }
    return true;
  }

  private systemCtx(correlationId: string): RequestContext {
    return { actor: { ...SCHEDULER_ACTOR }, correlationId, system: true };
  }

  private transact(items: TransactItem[]): Promise<unknown> {
    return this.deps.ddb.send(new TransactWriteCommand({ TransactItems: items }));
  }

  private outbox(envelope: EventEnvelope): TransactItem {
    return outboxPut(this.deps.tables.outbox, envelope);
  }

  private emitEvent(envelope: EventEnvelope): Promise<void> {
    return emit(this.deps.ddb, this.deps.tables.outbox, [envelope]);
  }

  private intentEvent(
    type: string,
    intent: IntentRecord,
    extra: Record<string, unknown>,
    correlationId = intent.correlation_id,
  ): EventEnvelope {
    return this.event(
      type,
      correlationId,
      { type: intent.entity_type, id: intent.entity_id, version: intent.generation },
      {
        intent_id: intent.id,
        action: intent.action,
        pattern: intent.pattern,
        run_at: intent.run_at,
        ...extra,
      },
    );
  }

  /** An event of the scheduler's (`service: scheduler`, the scheduler as actor). */
  event(
    type: string,
    correlationId: string,
    entity: { type: string; id: string; version: number },
    payload: Record<string, unknown>,
  ): EventEnvelope {
    return buildEnvelope({
      type,
      service: 'scheduler',
      environment: this.deps.environment,
      correlationId: correlationId.length >= 8 ? correlationId : `scheduler-${correlationId}`,
      actor: { id: SCHEDULER_ACTOR.sub, role: SCHEDULER_ACTOR.role },
      entity,
      payload,
    });
  }
}
