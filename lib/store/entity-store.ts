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
 *
 * This class orchestrates the parts: ./validate.ts (who may, which body, which transaction),
 * ./commit.ts (the transaction), ./read.ts (loads, lists, the view an actor sees), over the
 * model of ./model.ts. HTTP inputs (If-Match, list query strings) are parsed at the edge
 * (lib/lambda-kit/input.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulidx';
import type { Principal } from '../auth/tokens.ts';
import { appendAudit, mergeMetadata, parseMetadata } from '../entity-metadata/index.ts';
import { isTemporaError, notFound } from '../errors.ts';
import { checkAccess } from '../policy/apply.ts';
import { retentionRole } from '../policy/lifecycle.ts';
import type { ResolvedPolicy } from '../policy/matrix.ts';
import type { CrudOperation, ServiceDefinition, VerbDefinition } from '../registry/types.ts';
import { commitWrite } from './commit.ts';
import {
  BROADCAST_INDEX,
  DEFAULT_STATE,
  type EntityRow,
  type EntityView,
  type IntentPlanner,
  type ListQuery,
  lifecyclePlanner,
  masterKey,
  OWNER_INDEX,
  type PatchOptions,
  type PolicySource,
  type RequestContext,
  STATE_INDEX,
  type StoreTables,
  type SystemCreateOptions,
  staticPolicies,
} from './model.ts';
import { listRows, loadMasterRow, loadRow, present, type ReadSetting } from './read.ts';
import {
  authorize,
  parseBody,
  planWrite,
  versionConflict,
  type WriteChange,
  type WriteSetting,
} from './validate.ts';

export * from './model.ts';

const MAX_UNCONDITIONAL_RETRIES = 3;

export class EntityStore {
  static readonly STATE_INDEX = STATE_INDEX;
  static readonly OWNER_INDEX = OWNER_INDEX;
  static readonly BROADCAST_INDEX = BROADCAST_INDEX;

  private readonly reads: ReadSetting;
  private readonly writes: WriteSetting;

  constructor(
    readonly service: ServiceDefinition,
    tables: StoreTables,
    private readonly environment: string,
    private readonly ddb: DynamoDBDocumentClient,
    private readonly policies: PolicySource = staticPolicies,
    planner: IntentPlanner = lifecyclePlanner,
  ) {
    this.reads = { service, tables, ddb };
    this.writes = { service, tables, environment, planner };
  }

  /** The policy-matrix row for this actor on this service's entities. */
  policyFor(actor: Principal): Promise<ResolvedPolicy> {
    return this.policies({
      role: actor.role,
      environment: this.environment,
      category: this.service.category,
    });
  }

  /**
   * The caller's row with the retention of the data owner's row (`retentionRole`): what a
   * write plans and records. Access, validation and exposure stay the caller's.
   */
  private async withOwnersRetention(
    actor: Principal,
    ownerId: string,
    policy: ResolvedPolicy,
  ): Promise<ResolvedPolicy> {
    const role = retentionRole(this.service, actor, ownerId);
    if (role === actor.role) return policy;
    const owners = await this.policies({
      role,
      environment: this.environment,
      category: this.service.category,
    });
    return { ...policy, retention: owners.retention, retention_source: owners.source };
  }

  /** 403 unless the actor's role may perform `op` on this service. */
  authorize(ctx: RequestContext, op: CrudOperation | VerbDefinition): void {
    authorize(this.service, ctx, op);
  }

  async create(body: unknown, ctx: RequestContext, opts: SystemCreateOptions = {}): Promise<EntityView> {
    this.authorize(ctx, 'create');
    const policy = await this.policyFor(ctx.actor);
    if (!ctx.system) checkAccess(policy, ctx.actor, undefined);
    const { fields, metadata: given } = parseBody(this.service, body, 'create', policy.validation);
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
    const planned = await this.withOwnersRetention(ctx.actor, row.owner_id, policy);
    const stored = await this.commit({ after: row, eventType: this.event('created'), ctx, policy: planned });
    return present(this.service, stored, policy, ctx.actor);
  }

  async get(id: string, actor: Principal, opts: { system?: boolean } = {}): Promise<EntityView> {
    this.authorize({ actor, correlationId: '', system: opts.system }, 'read');
    const policy = await this.policyFor(actor);
    const row = await loadRow(this.reads, id);
    if (!opts.system) checkAccess(policy, actor, row.owner_id);
    return present(this.service, row, policy, actor);
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
    const parsed = parseBody(this.service, body, 'update', policy.validation);
    const update = parsed.metadata;
    for (let attempt = 0; ; attempt++) {
      const current = await loadRow(this.reads, id);
      if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
      if (ifMatch !== undefined && current.version !== ifMatch)
        throw versionConflict(id, ifMatch, current.version);
      const now = new Date().toISOString();
      const merged = update === undefined ? current.metadata : mergeMetadata(current.metadata, update);
      const audited = appendAudit(merged, { actor: ctx.actor.sub, action: 'update', at: now });
      // The stored document's size is checked (and its bookkeeping compacted) when the write is planned.
      const metadata = parseMetadata(audited, {
        mode: policy.validation,
        maxBytes: Number.POSITIVE_INFINITY,
      });
      const row: EntityRow = {
        ...current,
        ...parsed.fields,
        metadata,
        version: current.version + 1,
        updated_at: now,
      };
      try {
        const planned = await this.withOwnersRetention(ctx.actor, row.owner_id, policy);
        const stored = await this.commit({
          before: current,
          after: row,
          eventType: this.event('updated'),
          ctx,
          policy: planned,
          also: opts.alsoEmit,
        });
        return present(this.service, stored, policy, ctx.actor);
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
    const current = await loadRow(this.reads, id);
    if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
    if (ifMatch !== undefined && current.version !== ifMatch)
      throw versionConflict(id, ifMatch, current.version);
    await this.commit({ before: current, eventType: this.event('deleted'), ctx, policy });
  }

  /** A domain verb: one write of the entity (optionally to a new state) that emits the verb's event. */
  async verb(id: string, verbName: string, ctx: RequestContext): Promise<EntityView> {
    const verb = this.service.verbs.find((v) => v.name === verbName);
    if (!verb) throw notFound(`Unknown action "${verbName}" on ${this.service.collection}`);
    this.authorize(ctx, verb);
    const policy = await this.policyFor(ctx.actor);
    const current = await loadRow(this.reads, id);
    if (!ctx.system) checkAccess(policy, ctx.actor, current.owner_id);
    const now = new Date().toISOString();
    const row: EntityRow = {
      ...current,
      ...(verb.setState ? { state: verb.setState } : {}),
      metadata: appendAudit(current.metadata, { actor: ctx.actor.sub, action: verb.name, at: now }),
      version: current.version + 1,
      updated_at: now,
    };
    const planned = await this.withOwnersRetention(ctx.actor, row.owner_id, policy);
    const fresh = verb.rescheduleRetention
      ? this.writes.planner.retention(this.service, row, planned, new Date(now))
      : undefined;
    const stored = await this.commit({
      before: current,
      after: row,
      eventType: verb.emits,
      ctx,
      policy: planned,
      reschedule: fresh ? [fresh] : [],
    });
    return present(this.service, stored, policy, ctx.actor);
  }

  /** A page of entities this actor may list, newest first (see {@link listRows}). */
  async list(q: ListQuery, actor: Principal): Promise<{ items: EntityView[]; next_cursor: string | null }> {
    this.authorize({ actor, correlationId: '' }, 'list');
    const policy = await this.policyFor(actor);
    checkAccess(policy, actor, undefined);
    const page = await listRows(this.reads, q, actor, policy);
    return {
      items: page.rows.map((r) => present(this.service, r, policy, actor)),
      next_cursor: page.next_cursor,
    };
  }

  /** Read the master row of an entity (used by tests and operators). */
  masterRow(id: string): Promise<Record<string, unknown> | undefined> {
    return loadMasterRow(this.reads, id);
  }

  private event(change: 'created' | 'updated' | 'deleted'): string {
    return `${this.service.entity}.${change}`;
  }

  /**
   * Plan the write's transaction (./validate.ts: the stored document fitted to the cap) and
   * commit it (./commit.ts). Returns the row as stored (the deleted row for a delete).
   */
  private async commit(change: WriteChange): Promise<EntityRow> {
    const write = planWrite(this.writes, change);
    await commitWrite(this.ddb, this.service.entity, write);
    return write.row;
  }
}
