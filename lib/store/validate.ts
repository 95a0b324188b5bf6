/**
 * Validate and plan a write (pure, no I/O): who may do what, which body is acceptable, and
 * the one transaction a write is (entity row, master row, index rows, outbox envelopes).
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import {
  idempotencyKey,
  type Metadata,
  parseMetadata,
  type ValidationMode,
} from '../entity-metadata/index.ts';
import {
  badRequest,
  conflict,
  type FieldIssue,
  forbidden,
  isTemporaError,
  type TemporaError,
  toFieldIssues,
  validationError,
} from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';
import { toEntry } from '../events/publisher.ts';
import type { SchedulePayload } from '../events/schedule.ts';
import { assertEventEntry } from '../limits/index.ts';
import type { ResolvedPolicy } from '../policy/matrix.ts';
import type { CrudOperation, ServiceDefinition, VerbDefinition } from '../registry/types.ts';
import { fitMetadata } from './fit.ts';
import { broadcastKey, indexDiff, MAX_FEATURES, MAX_TAGS } from './indexes.ts';
import {
  type EntityRow,
  INTERNAL,
  type IntentPlanner,
  READ_ONLY,
  type RequestContext,
  type StoreTables,
} from './model.ts';

/** 403 unless the actor's role may perform `op` on this service (a system write always may). */
export function authorize(
  service: ServiceDefinition,
  ctx: RequestContext,
  op: CrudOperation | VerbDefinition,
): void {
  if (ctx.system) return;
  const actor = ctx.actor;
  const roles = typeof op === 'string' ? service.access[op] : op.roles;
  const name = typeof op === 'string' ? op : op.name;
  if (!roles.includes(actor.role)) {
    throw forbidden(`Role "${actor.role}" may not ${name} ${service.collection}`, {
      rule: `${service.name}.${name}`,
      allowed_roles: roles,
    });
  }
}

/**
 * Validate a create/update body: the service's own fields and the metadata, reporting
 * every invalid field of both at once (400), or 413 for oversize metadata.
 */
export function parseBody(
  service: ServiceDefinition,
  body: unknown,
  op: 'create' | 'update',
  mode: ValidationMode,
): { fields: Record<string, unknown>; metadata: Metadata | undefined } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError([{ path: '', message: 'request body must be a JSON object' }]);
  }
  const { metadata: rawMeta, ...rest } = body as Record<string, unknown>;
  const readOnly = Object.keys(rest).filter((k) => READ_ONLY.has(k) || INTERNAL.has(k));
  const schema = op === 'create' ? service.fields : z.partial(service.fields);
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(rest).filter(([k]) => !readOnly.includes(k))),
  );
  const issues: FieldIssue[] = [
    ...readOnly.map((k) => ({ path: k, message: 'is read-only' })),
    ...(parsed.success ? [] : toFieldIssues(parsed.error.issues)),
  ];
  let metadata: Metadata | undefined;
  if (rawMeta !== undefined) {
    try {
      metadata = parseMetadata(rawMeta, { mode });
    } catch (e) {
      const nested = isTemporaError(e) && e.status === 400 ? issuesOf(e) : undefined;
      if (!nested) throw e;
      issues.push(...nested);
    }
  }
  if (issues.length > 0 || !parsed.success) throw validationError(issues);
  if (op === 'update' && Object.keys(parsed.data).length === 0 && metadata === undefined) {
    throw badRequest('Nothing to update: send at least one field or metadata');
  }
  return { fields: parsed.data as Record<string, unknown>, metadata };
}

/** The field issues a validation error carries, if it is one. */
function issuesOf(e: TemporaError): FieldIssue[] | undefined {
  const d = e.details as { issues?: FieldIssue[] } | undefined;
  return Array.isArray(d?.issues) ? d.issues : undefined;
}

/** Tags and features are indexed in the write's transaction (≤ 100 actions): cap them. */
export function checkIndexLimits(m: Metadata): void {
  const issues: FieldIssue[] = [];
  if ((m.tags?.length ?? 0) > MAX_TAGS)
    issues.push({ path: 'metadata.tags', message: `at most ${MAX_TAGS} tags` });
  if ((m.features?.length ?? 0) > MAX_FEATURES) {
    issues.push({ path: 'metadata.features', message: `at most ${MAX_FEATURES} features` });
  }
  if (issues.length) throw validationError(issues);
}

export const versionConflict = (id: string, expected: number, actual: number) =>
  conflict(`Version conflict on "${id}": If-Match ${expected}, current version ${actual}`, {
    id,
    expected_version: expected,
    current_version: actual,
  });

/** Everything a planned write needs to know besides the rows. */
export interface WriteSetting {
  service: ServiceDefinition;
  tables: StoreTables;
  environment: string;
  planner: IntentPlanner;
}

/** One change of one entity: `before` undefined = create; `after` undefined = delete. */
export interface WriteChange {
  before?: EntityRow;
  after?: EntityRow;
  eventType: string;
  ctx: RequestContext;
  policy: ResolvedPolicy;
  /** Fresh intents carried in the event's `payload.reschedule` (a verb with `rescheduleRetention`). */
  reschedule?: SchedulePayload[];
  /** Further events committed in the same transaction. */
  also?: EventEnvelope[];
}

/** A write ready to commit: its transaction items and the event it publishes. */
export interface PlannedWrite {
  id: string;
  /** The row as it will be stored (metadata fitted to the cap), or the deleted row. */
  row: EntityRow;
  envelope: EventEnvelope;
  items: NonNullable<TransactWriteCommandInput['TransactItems']>;
}

/**
 * The one transaction of a write: the entity row (conditional on its version), its master
 * row, its index rows, the event envelope and the intents it plans (`scheduler.schedule`
 * events, after it) in the outbox.
 */
export function planWrite(w: WriteSetting, change: WriteChange): PlannedWrite {
  const { before, eventType, ctx, policy, reschedule, also } = change;
  // The document it will store, within the cap (413 for a write that would grow it beyond).
  const after = change.after && {
    ...change.after,
    metadata: fitMetadata(change.after.metadata, before?.metadata),
  };
  const row = after ?? before;
  if (!row) throw new Error('a write needs a row');
  if (after) checkIndexLimits(after.metadata);
  const envelopeBase = {
    service: w.service.name,
    environment: w.environment,
    correlationId: ctx.correlationId,
    actor: { id: ctx.actor.sub, role: ctx.actor.role },
    entity: { type: w.service.entity, id: row.id, version: row.version },
  };
  const envelope = buildEnvelope({
    ...envelopeBase,
    type: eventType,
    metadata: row.metadata,
    payload: {
      fields: publicFields(row),
      state: row.state,
      ...(reschedule?.length ? { reschedule } : {}),
    },
  });
  const intents = w.planner.planned(w.service, before, after, policy).map((payload) =>
    buildEnvelope({
      ...envelopeBase,
      type: 'scheduler.schedule',
      payload,
      occurredAt: envelope.occurred_at,
    }),
  );
  // Every envelope must fit one EventBridge entry (256 KB), or the publisher could never put it
  // and the event would be lost after a 2xx: refuse the write first (413 naming the body). The
  // bus name is not part of an entry's size.
  for (const e of [envelope, ...intents, ...(also ?? [])])
    assertEventEntry(toEntry(e, ''), { detailType: 'type', source: 'service', detail: 'body' });
  const guard = before
    ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }
    : { ConditionExpression: 'attribute_not_exists(id)' };
  const items: PlannedWrite['items'] = [];
  if (after) {
    const { broadcast_pk: _old, ...rest } = after;
    const bk = broadcastKey(after);
    const item: EntityRow = bk ? { ...rest, broadcast_pk: bk } : rest;
    items.push({ Put: { TableName: w.tables.entity, Item: item, ...guard } });
    items.push({ Put: { TableName: w.tables.master, Item: masterItem(w, after, ctx, policy) } });
  } else {
    items.push({ Delete: { TableName: w.tables.entity, Key: { id: row.id }, ...guard } });
    items.push({ Delete: { TableName: w.tables.master, Key: { pk: row.master_key } } });
  }
  const diff = indexDiff(before, after);
  for (const r of diff.put) items.push({ Put: { TableName: w.tables.index, Item: r } });
  for (const k of diff.remove) items.push({ Delete: { TableName: w.tables.index, Key: k } });
  items.push(outboxPut(w.tables.outbox, envelope));
  for (const i of intents) items.push(outboxPut(w.tables.outbox, i));
  for (const e of also ?? []) items.push(outboxPut(w.tables.outbox, e));
  return { id: row.id, row, envelope, items };
}

/** The `_metadata_master` row of an entity: where it lives, its policy, metadata and lineage. */
function masterItem(
  w: WriteSetting,
  row: EntityRow,
  ctx: RequestContext,
  policy: ResolvedPolicy,
): Record<string, unknown> {
  return {
    pk: row.master_key,
    entity_id: row.id,
    entity_type: row.entity_type,
    service: w.service.name,
    entity_table: w.tables.entity,
    category: row.category,
    environment: w.environment,
    role: ctx.actor.role,
    policy,
    metadata: row.metadata,
    metadata_hash: idempotencyKey(row.metadata),
    lineage: {
      owner_id: row.owner_id,
      created_by: row.metadata.audit?.created_by ?? row.owner_id,
      last_modified_by: ctx.actor.sub,
      correlation_id: ctx.correlationId,
      source: `tempora.${w.service.name}`,
    },
    state: row.state,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The entity's own fields as events carry them (no metadata, no bookkeeping). */
function publicFields(row: EntityRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (!INTERNAL.has(k) && k !== 'metadata') out[k] = v;
  }
  return out;
}
