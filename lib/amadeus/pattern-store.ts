/**
 * The entities' pattern edges on DynamoDB (the table's design: ./table.ts). Edges are applied
 * from entity events (entity-edges.ts). Each change is one transaction: the entity's edges
 * item (conditional on what was read) plus the pattern members to write and delete (from
 * `diffPatternEdges`). Older versions than the one applied, and duplicates, change nothing, so
 * at-least-once and out-of-order delivery are harmless without an idempotency table.
 */
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../aws/dynamodb.ts';
import { DynamoStore } from './dynamo-store.ts';
import { type EntityEdgeChange, supersedes } from './entity-edges.ts';
import { diffPatternEdges, entitiesUsingPattern, type PatternEdge } from './patterns.ts';
import { compare } from './services.ts';
import {
  DEFAULT_PATTERN_PAGE,
  EMPTY_EDGES_TTL_SECONDS,
  ENTITY_SK,
  entityPk,
  MAX_PATTERN_PAGE,
  memberSk,
  patternPk,
} from './table.ts';

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

const dependenciesOf = (edges: readonly PatternEdge[]): string[] =>
  edges
    .filter((e) => e.kind === 'depends_on')
    .map((e) => e.to)
    .sort(compare);

/** The pattern members (pk `pattern#…`) and every entity's current edges. */
export class DynamoPatternStore extends DynamoStore {
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
        if (!this.retries(e, attempt)) throw e;
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
