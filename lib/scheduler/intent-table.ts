/**
 * The scheduler's table of intents and what every intent transition shares: consistent reads,
 * one-transaction writes with their outbox events, the scheduler's events, and the mirror of an
 * entity's intents in its `metadata.scheduling.intents[]`. The transitions themselves live
 * next to it, one job per file (schedule-intent.ts, materialize.ts, cancel-intent.ts,
 * fire.ts); lib/scheduler/service.ts puts them together.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { conflict, isTemporaError, notFound } from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { emit, outboxPut } from '../events/outbox.ts';
import { logger } from '../observability.ts';
import type { EntityStore, RequestContext } from '../store/entity-store.ts';
import { INDEX, type IntentRecord } from './intent.ts';
import type { Schedules } from './schedules.ts';

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
/** Conditional writes retried after a concurrent change of the schedule state (a materializer). */
export const WRITE_RETRIES = 3;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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

/** The intents table, and the writes and events every transition of an intent shares. */
export class IntentTable {
  readonly now: () => Date;
  readonly horizonMs: number;

  constructor(readonly deps: SchedulerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.horizonMs = deps.horizonMs ?? DEFAULT_HORIZON_MS;
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

  /** 404 when gone, else 409 naming the status that refused `what`. */
  async refuse(id: string, what: string, known?: IntentRecord): Promise<never> {
    const current = known ?? (await this.get(id));
    if (!current) throw notFound(`Intent "${id}" not found`);
    throw conflict(`Intent "${id}" is ${current.status}; only a scheduled intent can be ${what}`, {
      status: current.status,
    });
  }

  /**
   * Keep `metadata.scheduling.intents[]` of the entity current (one entry per intent). False
   * when the entity is gone (the write found no entity), true otherwise.
   */
  async syncEntity(intent: IntentRecord): Promise<boolean> {
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

  systemCtx(correlationId: string): RequestContext {
    return { actor: { ...SCHEDULER_ACTOR }, correlationId, system: true };
  }

  transact(items: TransactItem[]): Promise<unknown> {
    return this.deps.ddb.send(new TransactWriteCommand({ TransactItems: items }));
  }

  outbox(envelope: EventEnvelope): TransactItem {
    return outboxPut(this.deps.tables.outbox, envelope);
  }

  emitEvent(envelope: EventEnvelope): Promise<void> {
    return emit(this.deps.ddb, this.deps.tables.outbox, [envelope]);
  }

  intentEvent(
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
