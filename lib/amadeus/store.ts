/**
 * Amadeus on DynamoDB: the published versions of the knowledge graph (./history-store.ts)
 * and the entities' pattern edges (`metadata.knowledge_graph`), in one table keyed by
 * `pk` (S) and `sk` (S) with the TTL attribute `expires_at`:
 *
 * | Item | pk | sk | What |
 * | --- | --- | --- | --- |
 * | version | `kg` | `0000000007` (10 digits) | one published version: `version`, `hash`, `published_at`, `graph` and `changes_from_previous` (both JSON text, so key order survives) |
 * | pattern member | `pattern#<pattern>` | `<entity_type>#<entity_id>` | an entity whose `knowledge_graph.pattern` is `<pattern>`, with its `dependencies` |
 * | entity edges | `entity#<entity_type>#<entity_id>` | `edges` | the entity's current edges and the `version` they come from (`deleted` once it is gone) |
 *
 * Edges are applied from entity events. Each change is one transaction: the entity's edges
 * item (conditional on what was read) plus the pattern members to write and delete (from
 * `diffPatternEdges`). Older versions than the one applied, and duplicates, change nothing, so
 * at-least-once and out-of-order delivery are harmless without an idempotency table.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, isConditionFailure, isTransactionConflict } from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { MAX_PATTERN_BYTES, MAX_PATTERN_PAGE } from './contract.ts';
import { diffPatternEdges, entitiesUsingPattern, type PatternEdge, patternEdges } from './patterns.ts';
import { compare } from './services.ts';

export const patternPk = (pattern: string): string => `pattern#${pattern}`;
export const memberSk = (type: string, id: string): string => `${type}#${id}`;
export const entityPk = (type: string, id: string): string => `entity#${type}#${id}`;
export const ENTITY_SK = 'edges';

/** How long an entity's edges item without edges is kept (deleted, or no knowledge_graph). */
export const EMPTY_EDGES_TTL_SECONDS = 30 * 24 * 3600;
/** Default and largest page of pattern members; largest pattern name (declared with the route). */
export const DEFAULT_PATTERN_PAGE = MAX_PATTERN_PAGE;
export { MAX_PATTERN_BYTES, MAX_PATTERN_PAGE };

/** A lost race worth retrying: a condition that no longer held, or a concurrent transaction. */
export const isRetryableConflict = (e: unknown): boolean => isConditionFailure(e) || isTransactionConflict(e);

export interface StoreOptions {
  /** Clock (publication times, TTLs). Default: now. */
  now?: () => Date;
  /** Attempts when a conditional write loses a race (default 5). */
  maxAttempts?: number;
}

/** What the Amadeus table's stores share: its client and name, the clock, the retry budget. */
export abstract class AmadeusTableStore {
  protected readonly now: () => Date;
  protected readonly maxAttempts: number;

  constructor(
    protected readonly ddb: DynamoDBDocumentClient,
    protected readonly table: string,
    opts: StoreOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = opts.maxAttempts ?? 5;
  }
}

// ---------------------------------------------------------------------------------------
// Pattern edges

/** One entity write as Amadeus sees it: the entity's edges at `version`, or its deletion. */
export interface EntityEdgeChange {
  type: string;
  id: string;
  /** The entity's version (a deletion carries the version it deleted). */
  version: number;
  deleted: boolean;
  /** The entity's edges after the write (empty when deleted). */
  edges: PatternEdge[];
}

/**
 * The edge change an event stands for, or undefined when it is not an entity write. Only
 * envelopes carrying the entity's `metadata` are: the entity store's CRUD and verb events.
 * Events without it (scheduler events, `POST /api/events`) never touch edges, so a client
 * cannot forge or erase an entity's edges through the bus.
 */
export function entityChangeOf(envelope: EventEnvelope): EntityEdgeChange | undefined {
  if (envelope.metadata === undefined || envelope.metadata === null) return undefined;
  const { type, id, version } = envelope.entity;
  const deleted = envelope.type === `${type}.deleted`;
  const edges = deleted ? [] : patternEdges({ type, id, metadata: envelope.metadata });
  return {
    type,
    id,
    version,
    deleted,
    edges: edges.filter((e) => e.kind !== 'uses_pattern' || patternNameOk(e.to)),
  };
}

/** True when `pattern` can be stored and looked up (not blank, at most {@link MAX_PATTERN_BYTES}). */
export const patternNameOk = (pattern: string): boolean =>
  pattern.trim() !== '' && Buffer.byteLength(pattern, 'utf8') <= MAX_PATTERN_BYTES;

/** An entity using a pattern, as `GET /api/kg/patterns/{pattern}` lists it. */
export interface PatternMember {
  type: string;
  id: string;
  /** The entity's `knowledge_graph.dependencies` (sorted, distinct). */
  dependencies: string[];
}

/** What {@link DynamoPatternStore.apply} did. */
export interface ApplyOutcome {
  /** False when the change was older than (or the same as) what is stored: nothing written. */
  applied: boolean;
  /** Pattern members written and deleted. */
  put: string[];
  removed: string[];
}

/** The stored edges item of an entity. */
interface EntityEdgesItem {
  pk: string;
  sk: string;
  entity_type: string;
  entity_id: string;
  version: number;
  deleted: boolean;
  edges: Array<{ kind: PatternEdge['kind']; to: string }>;
  updated_at: string;
  expires_at?: number;
}

/** True when `change` is newer than the stored state: a higher version, or the deletion of the same one. */
export function supersedes(
  stored: { version: number; deleted: boolean } | undefined,
  change: EntityEdgeChange,
) {
  if (!stored) return true;
  if (stored.deleted) return false; // ids are never reused: a deletion is final
  return change.version > stored.version || (change.version === stored.version && change.deleted);
}

const dependenciesOf = (edges: readonly PatternEdge[]): string[] =>
  edges
    .filter((e) => e.kind === 'depends_on')
    .map((e) => e.to)
    .sort(compare);

/** The pattern members (pk `pattern#…`) and every entity's current edges. */
export class DynamoPatternStore extends AmadeusTableStore {
  /** The stored edges of an entity, with the version they come from. */
  async edgesOf(
    type: string,
    id: string,
  ): Promise<{ version: number; deleted: boolean; edges: PatternEdge[] } | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: entityPk(type, id), sk: ENTITY_SK },
        ConsistentRead: true,
      }),
    );
    const item = out.Item as EntityEdgesItem | undefined;
    if (!item) return undefined;
    return {
      version: Number(item.version),
      deleted: item.deleted === true,
      edges: (item.edges ?? []).map((e) => ({ from: { type, id }, to: e.to, kind: e.kind })),
    };
  }

  /**
   * Apply one entity change: diff its edges against the stored ones and write, in one
   * transaction conditional on the stored state, the new state plus the pattern members to
   * put and delete. Retries when a concurrent change of the same entity won the race.
   */
  async apply(change: EntityEdgeChange): Promise<ApplyOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await this.edgesOf(change.type, change.id);
      if (!supersedes(stored, change)) return { applied: false, put: [], removed: [] };
      // A creation without edges: nothing older can arrive late, so there is nothing to remember.
      if (!stored && !change.deleted && change.edges.length === 0 && change.version <= 1)
        return { applied: true, put: [], removed: [] };
      const items = this.transactionFor(stored, change);
      try {
        await this.ddb.send(new TransactWriteCommand({ TransactItems: items.writes }));
        return { applied: true, put: items.put, removed: items.removed };
      } catch (e) {
        if (!isRetryableConflict(e) || attempt >= this.maxAttempts) throw e;
      }
    }
  }

  /** The transaction that takes the entity from `stored` to `change`, and the pattern members it writes and deletes. */
  private transactionFor(
    stored: { version: number; deleted: boolean; edges: PatternEdge[] } | undefined,
    change: EntityEdgeChange,
  ): { writes: NonNullable<TransactWriteCommandInput['TransactItems']>; put: string[]; removed: string[] } {
    const before = stored?.edges ?? [];
    const after = change.edges;
    const { put, remove } = diffPatternEdges(before, after);
    const now = this.now();
    const sk = memberSk(change.type, change.id);
    const writes: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    const removed: string[] = [];
    const written: string[] = [];

    for (const e of remove.filter((x) => x.kind === 'uses_pattern')) {
      writes.push({ Delete: { TableName: this.table, Key: { pk: patternPk(e.to), sk } } });
      removed.push(e.to);
    }
    // The member carries the entity's dependencies: rewrite it when they change too.
    const uses = after.find((e) => e.kind === 'uses_pattern');
    const depsAfter = dependenciesOf(after);
    const depsChanged = JSON.stringify(dependenciesOf(before)) !== JSON.stringify(depsAfter);
    if (uses && (put.some((e) => e.kind === 'uses_pattern') || depsChanged)) {
      writes.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: patternPk(uses.to),
            sk,
            pattern: uses.to,
            entity_type: change.type,
            entity_id: change.id,
            dependencies: depsAfter,
            version: change.version,
            updated_at: now.toISOString(),
          },
        },
      });
      written.push(uses.to);
    }

    const state: EntityEdgesItem = {
      pk: entityPk(change.type, change.id),
      sk: ENTITY_SK,
      entity_type: change.type,
      entity_id: change.id,
      version: change.version,
      deleted: change.deleted,
      edges: after.map((e) => ({ kind: e.kind, to: e.to })),
      updated_at: now.toISOString(),
      // Without edges the item only orders late deliveries: it may expire after the retry window.
      ...(after.length === 0
        ? { expires_at: Math.floor(now.getTime() / 1000) + EMPTY_EDGES_TTL_SECONDS }
        : {}),
    };
    writes.push({
      Put: {
        TableName: this.table,
        Item: state,
        ...(stored
          ? {
              ConditionExpression: '#v = :v AND #d = :d',
              ExpressionAttributeNames: { '#v': 'version', '#d': 'deleted' },
              ExpressionAttributeValues: { ':v': stored.version, ':d': stored.deleted },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    });
    return { writes, put: written, removed };
  }

  /** A page of the entities using `pattern`, sorted by type then id. */
  async members(
    pattern: string,
    page: { limit?: number; cursor?: string } = {},
  ): Promise<{ items: PatternMember[]; next_cursor: string | null }> {
    const limit = Math.min(MAX_PATTERN_PAGE, Math.max(1, page.limit ?? DEFAULT_PATTERN_PAGE));
    const scope = `${this.table}|${patternPk(pattern)}`;
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': patternPk(pattern) },
        Limit: limit,
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, scope) } : {}),
      }),
    );
    const rows = (out.Items ?? []) as Array<{
      entity_type: string;
      entity_id: string;
      dependencies?: string[];
    }>;
    const deps = new Map(rows.map((r) => [memberSk(r.entity_type, r.entity_id), r.dependencies ?? []]));
    const edges: PatternEdge[] = rows.map((r) => ({
      from: { type: r.entity_type, id: r.entity_id },
      to: pattern,
      kind: 'uses_pattern',
    }));
    return {
      items: entitiesUsingPattern(edges, pattern).map((m) => ({
        ...m,
        dependencies: [...(deps.get(memberSk(m.type, m.id)) ?? [])],
      })),
      next_cursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey, scope) : null,
    };
  }
}
