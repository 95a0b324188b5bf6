/**
 * The entity store: CRUD of one service's entities on DynamoDB.
 *
 * Every write is ONE DynamoDB transaction of three items:
 *   1. the entity row in the service table (`service_{service}_{entity}`),
 *   2. its `_metadata_master` row (the two reference each other),
 *   3. the contract event envelope in the Nexus outbox table.
 * The outbox table's stream publishes the envelope to EventBridge, so an event exists
 * if and only if the write committed, and a failed publish is retried from the stream
 * instead of being lost (transactional outbox).
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulidx';
import * as z from 'zod';
import type { Principal } from '../auth/tokens.ts';
import { decodeCursor, encodeCursor, isConditionFailure } from '../aws/dynamodb.ts';
import {
  badRequest,
  conflict,
  type FieldIssue,
  forbidden,
  isTemporaError,
  notFound,
  type TemporaError,
  toFieldIssues,
  validationError,
} from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';
import type { SchedulePayload } from '../events/schedule.ts';
import {
  appendAudit,
  idempotencyKey,
  type Metadata,
  mergeMetadata,
  parseMetadata,
  type ValidationMode,
} from '../metadata/index.ts';
import { checkAccess, exposeMetadata, ownOnly } from '../policy/apply.ts';
import { plannedIntents, retentionIntent } from '../policy/lifecycle.ts';
import { type PolicyKey, type ResolvedPolicy, resolvePolicy } from '../policy/matrix.ts';
import type { CrudOperation, ServiceDefinition, VerbDefinition } from '../registry/types.ts';
import {
  broadcastKey,
  type IndexKind,
  indexDiff,
  indexPartition,
  MAX_FEATURES,
  MAX_TAGS,
} from './indexes.ts';

/** Who is writing, and the correlation id that ties the write to its events and logs. */
export interface RequestContext {
  actor: Principal;
  correlationId: string;
  /** A platform service acting on its own authority (e.g. the scheduler): role and policy access checks are skipped. */
  system?: boolean;
}

export interface StoreTables {
  entity: string;
  master: string;
  outbox: string;
  /** `_metadata_index`: tag and feature index rows. */
  index: string;
}

/** Resolves the policy-matrix row of a key (the PolicyStore in Lambdas, a constant in tests). */
export type PolicySource = (key: PolicyKey) => Promise<ResolvedPolicy>;

/**
 * What a write plans for later: the `scheduler.schedule` payloads published with its event, and
 * the fresh retention a verb with `rescheduleRetention` asks for. Injected, so the store (core)
 * knows no scheduler (a service); the default is the lifecycle rules of lib/policy/lifecycle.ts.
 */
export interface IntentPlanner {
  planned: typeof plannedIntents;
  retention: typeof retentionIntent;
}

export const lifecyclePlanner: IntentPlanner = { planned: plannedIntents, retention: retentionIntent };

/** The contract's seed rows only (no central table): for tests and tools. */
export const staticPolicies: PolicySource = async (key) => resolvePolicy(key);

/** The public shape of an entity, as the API returns it. */
export interface EntityView {
  id: string;
  state: string;
  owner_id: string;
  metadata: Metadata;
  version: number;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** The stored entity row: the view plus the store's own bookkeeping attributes. */
interface EntityRow extends EntityView {
  entity_type: string;
  category: string;
  master_key: string;
  list_sk: string;
  /** Present only while the entity is actively broadcasting (sparse index key). */
  broadcast_pk?: string;
}

/** Options of a system write (`ctx.system`): ignored for any other caller. */
export interface SystemCreateOptions {
  /** A caller-chosen id (e.g. derived from an event, so that a retried create conflicts instead of duplicating). */
  id?: string;
  /** The owner of the new entity (e.g. the user a notification is for), instead of the actor. */
  ownerId?: string;
}

export interface PatchOptions {
  /** Further events committed in the same transaction as the update (e.g. `localization.translated`). */
  alsoEmit?: EventEnvelope[];
}

export interface ListQuery {
  /** Only entities with an active broadcast (sparse index). */
  broadcasting?: boolean;
  state?: string;
  tag?: string;
  feature?: string;
  limit?: number;
  cursor?: string;
}

/** Fields the server owns: a client may not set them. */
const READ_ONLY = new Set(['id', 'version', 'created_at', 'updated_at', 'owner_id']);
const INTERNAL = new Set(['entity_type', 'category', 'master_key', 'list_sk', 'broadcast_pk']);
const MAX_UNCONDITIONAL_RETRIES = 3;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_STATE = 'active';

export const masterKey = (entityType: string, id: string): string => `${entityType}#${id}`;

export class EntityStore {
  constructor(
    readonly service: ServiceDefinition,
    private readonly tables: StoreTables,
    private readonly environment: string,
    private readonly ddb: DynamoDBDocumentClient,
    private readonly policies: PolicySource = staticPolicies,
    private readonly planner: IntentPlanner = lifecyclePlanner,
  ) {}

  /** The policy-matrix row for this actor on this service's entities. */
  policyFor(actor: Principal): Promise<ResolvedPolicy> {
    return this.policies({
      role: actor.role,
      environment: this.environment,
      category: this.service.category,
    });
  }

  /** The view of an entity this actor may see (exposure rule of the policy). */
  private present(row: EntityRow, policy: ResolvedPolicy, actor: Principal): EntityView {
    const view = toView(row);
    const metadata = exposeMetadata(policy, actor, row.metadata, this.service.namespace);
    if (metadata === undefined) {
      const { metadata: _m, ...rest } = view;
      return rest as EntityView;
    }
    return { ...view, metadata };
  }

  /** 403 unless the actor's role may perform `op` on this service. */
  authorize(ctx: RequestContext, op: CrudOperation | VerbDefinition): void {
    if (ctx.system) return;
    const actor = ctx.actor;
    const roles = typeof op === 'string' ? this.service.access[op] : op.roles;
    const name = typeof op === 'string' ? op : op.name;
    if (!roles.includes(actor.role)) {
      throw forbidden(`Role "${actor.role}" may not ${name} ${this.service.collection}`, {
        rule: `${this.service.name}.${name}`,
        allowed_roles: roles,
      });
    }
  }

  async create(body: unknown, ctx: RequestContext, opts: SystemCreateOptions = {}): Promise<EntityView> {
    this.authorize(ctx, 'create');
    const policy = await this.policyFor(ctx.actor);
    if (!ctx.system) checkAccess(policy, ctx.actor, undefined);
    const { fields, metadata: given } = this.parseBody(body, 'create', policy.validation);
    const now = new Date().toISOString();
    const id = (ctx.system && opts.id) || ulid();
    const owner = ctx.system && opts.ownerId ? opts.ownerId : ctx.actor.sub;
    const metadata = appendAudit(given ?? {}, {
      actor: ctx.actor.sub,
      action: 'create',
      at: now,
    });
    const row: EntityRow = {
      ...fields,
      id,
      state: typeof fields.state === 'string' ? fields.state : DEFAULT_STATE,
      owner_id: this.service.selfOwned ? id : owner,
      metadata,
      version: 1,
      created_at: now,
      updated_at: now,
      entity_type: this.service.entity,
      category: this.service.category,
      master_key: masterKey(this.service.entity, id),
      list_sk: `${now}#${id}`,
    };
    await this.commit(undefined, row, this.event('created'), ctx, policy);
    return this.present(row, policy, ctx.actor);
  }

  async get(id: string, actor: Principal, opts: { system?: boolean } = {}): Promise<EntityView> {
    this.authorize({ actor, correlationId: '', system: opts.system }, 'read');
    const policy = await this.policyFor(actor);
    const row = await this.load(id);
    if (!opts.system) checkAccess(policy, actor, row.owner_id);
    return this.present(row, policy, actor);
  }

  async patch(
    id: string,
    body: unknown,
    ctx: RequestContext,
    ifMatch?: number,
    opts: PatchOptions = {},
  ): Promise<EntityView> {
    this.authorize(ctx, 'update');
    const policy = await this.policyFor(ctx.actor);
    const parsed = this.parseBody(body, 'update', policy.validation);
    const update = parsed.metadata;
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(id);
      if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
      if (ifMatch !== undefined && current.version !== ifMatch)
        throw versionConflict(id, ifMatch, current.version);
      const now = new Date().toISOString();
      const merged = update === undefined ? current.metadata : mergeMetadata(current.metadata, update);
      const audited = appendAudit(merged, { actor: ctx.actor.sub, action: 'update', at: now });
      const metadata = parseMetadata(audited, { mode: policy.validation });
      const row: EntityRow = {
        ...current,
        ...parsed.fields,
        metadata,
        version: current.version + 1,
        updated_at: now,
      };
      try {
        await this.commit(current, row, this.event('updated'), ctx, policy, { also: opts.alsoEmit });
        return this.present(row, policy, ctx.actor);
      } catch (e) {
        // Without If-Match the caller asked for "apply my change": re-read and retry a few times.
        const retryable = ifMatch === undefined && isTemporaError(e) && e.status === 409;
        if (!retryable || attempt >= MAX_UNCONDITIONAL_RETRIES) throw e;
      }
    }
  }

  async remove(id: string, ctx: RequestContext, ifMatch?: number): Promise<void> {
    this.authorize(ctx, 'delete');
    const policy = await this.policyFor(ctx.actor);
    const current = await this.load(id);
    if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
    if (ifMatch !== undefined && current.version !== ifMatch)
      throw versionConflict(id, ifMatch, current.version);
    await this.commit(current, undefined, this.event('deleted'), ctx, policy);
  }

  /** A domain verb: one write of the entity (optionally to a new state) that emits the verb's event. */
  async verb(id: string, verbName: string, ctx: RequestContext): Promise<EntityView> {
    const verb = this.service.verbs.find((v) => v.name === verbName);
    if (!verb) throw notFound(`Unknown action "${verbName}" on ${this.service.collection}`);
    this.authorize(ctx, verb);
    const policy = await this.policyFor(ctx.actor);
    const current = await this.load(id);
    if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
    const now = new Date().toISOString();
    const row: EntityRow = {
      ...current,
      ...(verb.setState ? { state: verb.setState } : {}),
      metadata: appendAudit(current.metadata, { actor: ctx.actor.sub, action: verb.name, at: now }),
      version: current.version + 1,
      updated_at: now,
    };
    const fresh = verb.rescheduleRetention
      ? this.planner.retention(this.service, row, policy, new Date(now))
      : undefined;
    await this.commit(current, row, verb.emits, ctx, policy, { reschedule: fresh ? [fresh] : [] });
    return this.present(row, policy, ctx.actor);
  }

  /**
   * A page of entities, newest first, always through an index (never a Scan):
   * tag/feature → `_metadata_index`; `broadcasting` → the sparse `by_broadcast` index;
   * a user under `self+admin` → `by_owner`; otherwise `by_state`.
   */
  async list(q: ListQuery, actor: Principal): Promise<{ items: EntityView[]; next_cursor: string | null }> {
    this.authorize({ actor, correlationId: '' }, 'list');
    const policy = await this.policyFor(actor);
    checkAccess(policy, actor, undefined);
    const state = q.state ?? DEFAULT_STATE;
    const own = ownOnly(policy, actor);
    const filter = new Filter();
    const base = {
      ScanIndexForward: false,
      Limit: q.limit ?? DEFAULT_PAGE_SIZE,
      ...(q.cursor ? { ExclusiveStartKey: decodeCursor(q.cursor) } : {}),
    };
    let rows: EntityRow[];
    let last: Record<string, unknown> | undefined;
    if (q.tag !== undefined || q.feature !== undefined) {
      const [kind, value]: [IndexKind, string] =
        q.tag !== undefined ? ['tag', q.tag] : ['feature', q.feature ?? ''];
      if (q.tag !== undefined && q.feature !== undefined) filter.contains('features', q.feature);
      if (own) filter.equals('owner_id', actor.sub);
      const out = await this.ddb.send(
        new QueryCommand({
          TableName: this.tables.index,
          KeyConditionExpression: 'ix = :ix',
          ...filter.expression({ ':ix': indexPartition(this.service.entity, kind, value, state) }),
          ...base,
        }),
      );
      rows = await this.batchLoad((out.Items ?? []).map((i) => String(i.id)));
      last = out.LastEvaluatedKey;
    } else {
      let index: string;
      let key: { name: string; value: string };
      if (q.broadcasting) {
        index = EntityStore.BROADCAST_INDEX;
        key = { name: 'broadcast_pk', value: this.service.entity };
        filter.equals('state', state);
      } else if (own) {
        index = EntityStore.OWNER_INDEX;
        key = { name: 'owner_id', value: actor.sub };
        filter.equals('state', state);
      } else {
        index = EntityStore.STATE_INDEX;
        key = { name: 'state', value: state };
      }
      const out = await this.ddb.send(
        new QueryCommand({
          TableName: this.tables.entity,
          IndexName: index,
          KeyConditionExpression: '#k = :k',
          ...filter.expression({ ':k': key.value }, { '#k': key.name }),
          ...base,
        }),
      );
      rows = (out.Items ?? []) as EntityRow[];
      last = out.LastEvaluatedKey;
    }
    return {
      items: rows.map((r) => this.present(r, policy, actor)),
      next_cursor: last ? encodeCursor(last) : null,
    };
  }

  static readonly STATE_INDEX = 'by_state';
  static readonly OWNER_INDEX = 'by_owner';
  static readonly BROADCAST_INDEX = 'by_broadcast';

  /** Entity rows by id, in the given order (BatchGetItem, 100 keys a call, unprocessed keys retried). */
  private async batchLoad(ids: string[]): Promise<EntityRow[]> {
    const found = new Map<string, EntityRow>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Array<Record<string, unknown>> = ids.slice(i, i + 100).map((id) => ({ id }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
        const out = await this.ddb.send(
          new BatchGetCommand({
            RequestItems: { [this.tables.entity]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of out.Responses?.[this.tables.entity] ?? [])
          found.set(String(item.id), item as EntityRow);
        keys = (out.UnprocessedKeys?.[this.tables.entity]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return ids.flatMap((id) => {
      const row = found.get(id);
      return row ? [row] : [];
    });
  }

  /** Read the master row of an entity (used by tests and operators). */
  async masterRow(id: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.tables.master,
        Key: { pk: masterKey(this.service.entity, id) },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  // ---------------------------------------------------------------------------

  private event(change: 'created' | 'updated' | 'deleted'): string {
    return `${this.service.entity}.${change}`;
  }

  private async load(id: string): Promise<EntityRow> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tables.entity, Key: { id }, ConsistentRead: true }),
    );
    if (!out.Item) throw notFound(`${this.service.entity} "${id}" not found`);
    return out.Item as EntityRow;
  }

  /**
   * Validate a create/update body: the service's own fields and the metadata, reporting
   * every invalid field of both at once (400), or 413 for oversize metadata.
   */
  private parseBody(
    body: unknown,
    op: 'create' | 'update',
    mode: ValidationMode,
  ): { fields: Record<string, unknown>; metadata: Metadata | undefined } {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw validationError([{ path: '', message: 'request body must be a JSON object' }]);
    }
    const { metadata: rawMeta, ...rest } = body as Record<string, unknown>;
    const readOnly = Object.keys(rest).filter((k) => READ_ONLY.has(k) || INTERNAL.has(k));
    const schema = op === 'create' ? this.service.fields : this.service.fields.partial();
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

  /**
   * One transaction: the entity row (conditional on its version), its master row, its index
   * rows and the event envelope in the outbox. `before` undefined = create; `after`
   * undefined = delete.
   */
  private async commit(
    before: EntityRow | undefined,
    after: EntityRow | undefined,
    eventType: string,
    ctx: RequestContext,
    policy: ResolvedPolicy,
    opts: { reschedule?: SchedulePayload[]; also?: EventEnvelope[] } = {},
  ): Promise<EventEnvelope> {
    const row = after ?? before;
    if (!row) throw new Error('commit needs a row');
    if (after) checkIndexLimits(after.metadata);
    const envelopeBase = {
      service: this.service.name,
      environment: this.environment,
      correlationId: ctx.correlationId,
      actor: { id: ctx.actor.sub, role: ctx.actor.role },
      entity: { type: this.service.entity, id: row.id, version: row.version },
    };
    const envelope = buildEnvelope({
      ...envelopeBase,
      type: eventType,
      metadata: row.metadata,
      payload: {
        fields: publicFields(row),
        state: row.state,
        ...(opts.reschedule?.length ? { reschedule: opts.reschedule } : {}),
      },
    });
    // Future intents this write plans, published with it (scheduler.schedule events), after it.
    const intents = this.planner.planned(this.service, before, after, policy).map((payload) =>
      buildEnvelope({
        ...envelopeBase,
        type: 'scheduler.schedule',
        payload,
        occurredAt: envelope.occurred_at,
      }),
    );
    const guard = before
      ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }
      : { ConditionExpression: 'attribute_not_exists(id)' };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    if (after) {
      const { broadcast_pk: _old, ...rest } = after;
      const bk = broadcastKey(after);
      const item: EntityRow = bk ? { ...rest, broadcast_pk: bk } : rest;
      items.push({ Put: { TableName: this.tables.entity, Item: item, ...guard } });
      items.push({ Put: { TableName: this.tables.master, Item: this.masterItem(after, ctx, policy) } });
    } else {
      items.push({ Delete: { TableName: this.tables.entity, Key: { id: row.id }, ...guard } });
      items.push({ Delete: { TableName: this.tables.master, Key: { pk: row.master_key } } });
    }
    const diff = indexDiff(before, after);
    for (const r of diff.put) items.push({ Put: { TableName: this.tables.index, Item: r } });
    for (const k of diff.remove) items.push({ Delete: { TableName: this.tables.index, Key: k } });
    items.push(outboxPut(this.tables.outbox, envelope));
    for (const i of intents) items.push(outboxPut(this.tables.outbox, i));
    for (const e of opts.also ?? []) items.push(outboxPut(this.tables.outbox, e));
    try {
      await this.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      if (isConditionFailure(e)) {
        throw conflict(`${this.service.entity} "${row.id}" was changed concurrently; re-read and retry`, {
          id: row.id,
        });
      }
      throw e;
    }
    return envelope;
  }

  private masterItem(row: EntityRow, ctx: RequestContext, policy: ResolvedPolicy): Record<string, unknown> {
    return {
      pk: row.master_key,
      entity_id: row.id,
      entity_type: row.entity_type,
      service: this.service.name,
      entity_table: this.tables.entity,
      category: row.category,
      environment: this.environment,
      role: ctx.actor.role,
      policy,
      metadata: row.metadata,
      metadata_hash: idempotencyKey(row.metadata),
      lineage: {
        owner_id: row.owner_id,
        created_by: row.metadata.audit?.created_by ?? row.owner_id,
        last_modified_by: ctx.actor.sub,
        correlation_id: ctx.correlationId,
        source: `tempora.${this.service.name}`,
      },
      state: row.state,
      version: row.version,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }
}

const versionConflict = (id: string, expected: number, actual: number) =>
  conflict(`Version conflict on "${id}": If-Match ${expected}, current version ${actual}`, {
    id,
    expected_version: expected,
    current_version: actual,
  });

function publicFields(row: EntityRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (!INTERNAL.has(k) && k !== 'metadata') out[k] = v;
  }
  return out;
}

function toView(row: EntityRow): EntityView {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!INTERNAL.has(k)) out[k] = v;
  return out as EntityView;
}

/** Parse `If-Match` (a version number, optionally quoted as an ETag). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '' || header === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,12})"?$/.exec(header.trim());
  if (!m?.[1]) throw validationError([{ path: 'headers.if-match', message: 'must be a version number' }]);
  return Number(m[1]);
}

/** A small builder of FilterExpressions with placeholder names. */
class Filter {
  private readonly parts = new Map<string, { expr: string; value: unknown }>();

  equals(attr: string, value: unknown): void {
    this.parts.set(attr, { expr: `#f_${attr} = :f_${attr}`, value });
  }

  contains(attr: string, value: unknown): void {
    this.parts.set(attr, { expr: `contains(#f_${attr}, :f_${attr})`, value });
  }

  /** Expression fields for a Query, merged with the key condition's own names and values. */
  expression(
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    const allNames = { ...names };
    const allValues = { ...values };
    for (const [attr, p] of this.parts) {
      allNames[`#f_${attr}`] = attr;
      allValues[`:f_${attr}`] = p.value;
    }
    return {
      ...(this.parts.size
        ? { FilterExpression: [...this.parts.values()].map((p) => p.expr).join(' AND ') }
        : {}),
      ...(Object.keys(allNames).length ? { ExpressionAttributeNames: allNames } : {}),
      ExpressionAttributeValues: allValues,
    };
  }
}

export const listQuerySchema = z.object({
  state: z
    .string()
    .regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word')
    .optional(),
  tag: z.string().min(1).max(128).optional(),
  feature: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().min(1).max(2048).optional(),
  broadcasting: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** The field issues a validation error carries, if it is one. */
function issuesOf(e: TemporaError): FieldIssue[] | undefined {
  const d = e.details as { issues?: FieldIssue[] } | undefined;
  return Array.isArray(d?.issues) ? d.issues : undefined;
}

/** Tags and features are indexed in the write's transaction (≤ 100 actions): cap them. */
function checkIndexLimits(m: Metadata): void {
  const issues: FieldIssue[] = [];
  if ((m.tags?.length ?? 0) > MAX_TAGS)
    issues.push({ path: 'metadata.tags', message: `at most ${MAX_TAGS} tags` });
  if ((m.features?.length ?? 0) > MAX_FEATURES) {
    issues.push({ path: 'metadata.features', message: `at most ${MAX_FEATURES} features` });
  }
  if (issues.length) throw validationError(issues);
}
