/**
 * Optimistic scheduling: future intents kept as one-time schedules, cancelled by the events
 * they list, otherwise executed exactly once.
 *
 * Every state change of an intent is ONE conditional write (with the event it emits, through
 * the outbox), never a read-then-write:
 *   scheduled ──fire──▶ executing ──▶ executed | failed
 *   scheduled ──cancel──▶ cancelled
 * so a cancel and a fire racing each other end in exactly one of the two outcomes.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied, isConditionFailure } from '../aws/dynamodb.ts';
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
import type { IntentStatus } from '../registry/schemas.ts';
import type { EntityStore, RequestContext } from '../store/entity-store.ts';
import { intentId, scheduleName } from './names.ts';
import type { Schedules } from './schedules.ts';

export type { IntentStatus };

export interface IntentRecord {
  id: string;
  entity_type: string;
  entity_id: string;
  action: SchedulePayload['action'];
  pattern: string;
  run_at: string;
  cancel_on: string[];
  payload?: Record<string, unknown>;
  status: IntentStatus;
  generation: number;
  attempts: number;
  lease_until: number;
  schedule_name: string;
  correlation_id: string;
  created_at: string;
  updated_at: string;
  reason?: string;
}

/** The principal the scheduler acts as; events it causes are not fed back to it. */
export const SCHEDULER_ACTOR = { sub: 'tempora.scheduler', role: 'service' } as const;
export const MAX_ATTEMPTS = 3;
/** The reason of an intent cancelled because its entity was deleted. */
export const ENTITY_DELETED = 'entity_deleted';
const LEASE_MS = 60_000;

export interface SchedulerDeps {
  ddb: DynamoDBDocumentClient;
  tables: { intents: string; outbox: string };
  environment: string;
  schedules: Schedules;
  /** The entity store of the service owning an entity type, if any. */
  storeFor: (entityType: string) => EntityStore | undefined;
  now?: () => Date;
}

/** Runs an intent's action (replaceable in tests to force interleavings). */
export type ActionRunner = (intent: IntentRecord) => Promise<void>;

export class SchedulerService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly runAction: ActionRunner = (i) => this.defaultAction(i),
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Validate a `scheduler.schedule` payload and keep it as an intent and a one-time schedule. */
  async schedule(input: unknown, correlationId: string): Promise<IntentRecord> {
    const payload = await this.validate(input);
    const now = this.now();
    const id = intentId(payload.entity.type, payload.entity.id, payload.pattern);
    const out = await this.deps.ddb.send(
      new UpdateCommand({
        TableName: this.deps.tables.intents,
        Key: { id },
        UpdateExpression:
          'SET entity_type = :et, entity_id = :eid, #action = :action, pattern = :pattern, run_at = :run_at, ' +
          'cancel_on = :cancel_on, #payload = :payload, #status = :scheduled, attempts = :zero, lease_until = :zero, ' +
          'schedule_name = :name, correlation_id = :cid, updated_at = :now, ' +
          'created_at = if_not_exists(created_at, :now), generation = if_not_exists(generation, :zero) + :one ' +
          'REMOVE reason',
        ExpressionAttributeNames: { '#action': 'action', '#payload': 'payload', '#status': 'status' },
        ExpressionAttributeValues: {
          ':et': payload.entity.type,
          ':eid': payload.entity.id,
          ':action': payload.action,
          ':pattern': payload.pattern,
          ':run_at': new Date(payload.run_at).toISOString(),
          ':cancel_on': payload.cancel_on,
          ':payload': payload.payload ?? {},
          ':scheduled': 'scheduled',
          ':zero': 0,
          ':one': 1,
          ':name': scheduleName(this.deps.environment, id),
          ':cid': correlationId,
          ':now': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const intent = out.Attributes as IntentRecord;
    try {
      await this.deps.schedules.upsert(intent.schedule_name, new Date(intent.run_at), {
        kind: 'scheduler.fire',
        intent_id: intent.id,
        generation: intent.generation,
      });
    } catch (e) {
      await this.finish(intent, 'failed', `could not create the schedule: ${(e as Error).message}`);
      throw e;
    }
    await this.syncEntity(intent);
    return intent;
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
        IndexName: 'by_entity',
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
      const r = await this.tryCancel(item as IntentRecord, `cancelled by ${envelope.type} (${envelope.id})`);
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
        IndexName: 'by_entity',
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
      const r = await this.tryCancel(item as IntentRecord, ENTITY_DELETED, envelope.correlation_id);
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
  async cancel(id: string, reason: string): Promise<IntentRecord> {
    const r = await this.tryCancel({ id } as IntentRecord, reason);
    if (r) return r;
    const current = await this.get(id);
    if (!current) throw notFound(`Intent "${id}" not found`);
    throw conflict(`Intent "${id}" is ${current.status}; only a scheduled intent can be cancelled`, {
      status: current.status,
    });
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
            'SET #status = :executing, lease_until = :lease, attempts = attempts + :one, updated_at = :now',
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
        IndexName: 'by_entity',
        KeyConditionExpression: 'entity_id = :e',
        ExpressionAttributeValues: { ':e': entityId },
      }),
    );
    return (out.Items ?? []) as IntentRecord[];
  }

  // ---------------------------------------------------------------------------

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
      await emit(this.deps.ddb, this.deps.tables.outbox, [
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
      ]);
    }
  }

  /** scheduled → cancelled, with its event, in one conditional transaction. undefined if not scheduled. */
  private async tryCancel(
    intent: IntentRecord,
    reason: string,
    correlationId?: string,
  ): Promise<IntentRecord | undefined> {
    const current = intent.entity_id ? intent : await this.get(intent.id);
    if (!current) return undefined;
    const now = this.now().toISOString();
    const cancelled = await applied(
      this.deps.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.deps.tables.intents,
                Key: { id: current.id },
                UpdateExpression: 'SET #status = :cancelled, reason = :reason, updated_at = :now',
                ConditionExpression: '#status = :scheduled AND generation = :g',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':cancelled': 'cancelled',
                  ':scheduled': 'scheduled',
                  ':reason': reason,
                  ':now': now,
                  ':g': current.generation,
                },
              },
            },
            outboxPut(
              this.deps.tables.outbox,
              this.intentEvent('scheduler.cancelled', current, { reason }, correlationId),
            ),
          ],
        }),
      ),
    );
    if (!cancelled) return undefined;
    await this.deps.schedules.remove(current.schedule_name);
    const record: IntentRecord = { ...current, status: 'cancelled', reason, updated_at: now };
    await this.syncEntity(record);
    return record;
  }

  /** executing → executed | failed, with its event(s). */
  private async finish(
    intent: IntentRecord,
    status: 'executed' | 'failed' | 'cancelled',
    reason?: string,
  ): Promise<void> {
    const now = this.now().toISOString();
    const events = [this.intentEvent(`scheduler.${status}`, intent, reason ? { reason } : {})];
    await this.deps.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
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
          ...events.map((e) => outboxPut(this.deps.tables.outbox, e)),
        ],
      }),
    );
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
      await emit(this.deps.ddb, this.deps.tables.outbox, [
        this.intentEvent('pattern.run', intent, { pattern: intent.pattern, payload: intent.payload ?? {} }),
      ]);
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

  private event(
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
