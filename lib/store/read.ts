/**
 * Read and present entities: consistent loads by id, pages through an index (never a Scan),
 * and the view an actor may see (the policy's exposure rule).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../auth/tokens.ts';
import { batchGetAll, decodeCursor, encodeCursor } from '../aws/dynamodb.ts';
import { notFound } from '../errors.ts';
import { exposeMetadata, ownOnly } from '../policy/apply.ts';
import type { ResolvedPolicy } from '../policy/matrix.ts';
import type { ServiceDefinition } from '../registry/types.ts';
import { type IndexKind, indexPartition } from './indexes.ts';
import {
  BROADCAST_INDEX,
  DEFAULT_PAGE_SIZE,
  DEFAULT_STATE,
  type EntityRow,
  type EntityView,
  INTERNAL,
  type ListQuery,
  masterKey,
  OWNER_INDEX,
  STATE_INDEX,
  type StoreTables,
} from './model.ts';

/** Where one service's entities are read from. */
export interface ReadSetting {
  service: ServiceDefinition;
  tables: StoreTables;
  ddb: DynamoDBDocumentClient;
}

/** The view of an entity this actor may see (exposure rule of the policy). */
export function present(
  service: ServiceDefinition,
  row: EntityRow,
  policy: ResolvedPolicy,
  actor: Principal,
): EntityView {
  const view = toView(row);
  const metadata = exposeMetadata(policy, actor, row.metadata, service.namespace);
  if (metadata === undefined) {
    const { metadata: _m, ...rest } = view;
    return rest as EntityView;
  }
  return { ...view, metadata };
}

function toView(row: EntityRow): EntityView {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!INTERNAL.has(k)) out[k] = v;
  return out as EntityView;
}

/** The stored row of an entity (consistent read), or 404. */
export async function loadRow(r: ReadSetting, id: string): Promise<EntityRow> {
  const out = await r.ddb.send(
    new GetCommand({ TableName: r.tables.entity, Key: { id }, ConsistentRead: true }),
  );
  if (!out.Item) throw notFound(`${r.service.entity} "${id}" not found`);
  return out.Item as EntityRow;
}

/** The master row of an entity (used by tests and operators). */
export async function loadMasterRow(
  r: ReadSetting,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const out = await r.ddb.send(
    new GetCommand({
      TableName: r.tables.master,
      Key: { pk: masterKey(r.service.entity, id) },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** Entity rows by id, in the given order (BatchGetItem, 100 keys a call, unprocessed keys retried). */
async function batchLoad(r: ReadSetting, ids: string[]): Promise<EntityRow[]> {
  const rows = await batchGetAll<EntityRow>(
    r.ddb,
    r.tables.entity,
    ids.map((id) => ({ id })),
    { ConsistentRead: true },
  );
  const found = new Map(rows.map((row) => [String(row.id), row]));
  return ids.flatMap((id) => {
    const row = found.get(id);
    return row ? [row] : [];
  });
}

/**
 * A page of entity rows, newest first, always through an index (never a Scan):
 * tag/feature → `_metadata_index`; `broadcasting` → the sparse `by_broadcast` index;
 * a user under `self+admin` → `by_owner`; otherwise `by_state`.
 */
export async function listRows(
  r: ReadSetting,
  q: ListQuery,
  actor: Principal,
  policy: ResolvedPolicy,
): Promise<{ rows: EntityRow[]; next_cursor: string | null }> {
  const state = q.state ?? DEFAULT_STATE;
  const own = ownOnly(policy, actor);
  const filter = new Filter();
  const base = {
    ScanIndexForward: false,
    Limit: q.limit ?? DEFAULT_PAGE_SIZE,
  };
  /** A cursor belongs to one table, index and partition: another list's cursor is a 400. */
  const start = (scope: string) => (q.cursor ? { ExclusiveStartKey: decodeCursor(q.cursor, scope) } : {});
  let scope: string;
  let rows: EntityRow[];
  let last: Record<string, unknown> | undefined;
  if (q.tag !== undefined || q.feature !== undefined) {
    const [kind, value]: [IndexKind, string] =
      q.tag !== undefined ? ['tag', q.tag] : ['feature', q.feature ?? ''];
    if (q.tag !== undefined && q.feature !== undefined) filter.contains('features', q.feature);
    if (own) filter.equals('owner_id', actor.sub);
    const ix = indexPartition(r.service.entity, kind, value, state);
    scope = `${r.tables.index}|ix|${ix}`;
    const out = await r.ddb.send(
      new QueryCommand({
        TableName: r.tables.index,
        KeyConditionExpression: 'ix = :ix',
        ...filter.expression({ ':ix': ix }),
        ...base,
        ...start(scope),
      }),
    );
    rows = await batchLoad(
      r,
      (out.Items ?? []).map((i) => String(i.id)),
    );
    last = out.LastEvaluatedKey;
  } else {
    let index: string;
    let key: { name: string; value: string };
    if (q.broadcasting) {
      index = BROADCAST_INDEX;
      key = { name: 'broadcast_pk', value: r.service.entity };
      filter.equals('state', state);
    } else if (own) {
      index = OWNER_INDEX;
      key = { name: 'owner_id', value: actor.sub };
      filter.equals('state', state);
    } else {
      index = STATE_INDEX;
      key = { name: 'state', value: state };
    }
    const out = await r.ddb.send(
      new QueryCommand({
        TableName: r.tables.entity,
        IndexName: index,
        KeyConditionExpression: '#k = :k',
        ...filter.expression({ ':k': key.value }, { '#k': key.name }),
        ...base,
        ...start(`${r.tables.entity}|${index}|${key.value}`),
      }),
    );
    scope = `${r.tables.entity}|${index}|${key.value}`;
    rows = (out.Items ?? []) as EntityRow[];
    last = out.LastEvaluatedKey;
  }
  return { rows, next_cursor: last ? encodeCursor(last, scope) : null };
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
