/**
 * Executing a query over the records table (pure; DynamoDB calls are injected). The grammar —
 * what a client may ask — is the contract's (lib/records/contract-query.ts, a parsed
 * {@link ListQuery}); here: the plan (which key or index partitions to Query, which filters
 * remain), multi-key order, keyset positions and the opaque cursor. Reading the pages is
 * pages.ts.
 *
 * Every query is a DynamoDB Query, never a Scan:
 * - `type` given → the base table, one partition per type (key `type`, sort `name`);
 * - else `namespace` given → GSI `by_namespace` (key `namespace`, sort `type_name`);
 * - else → GSI `by_state`, one partition per visible state (`active` and `draft`; plus
 *   `archived` with `include_archived=true`; or exactly the `state` filter).
 * Other filters are FilterExpressions on those partitions.
 *
 * Order: the requested sort keys, then `type`, `name` (unique) as tie-breakers. When that
 * order is the index order (`type,name`, or `name` under a single type, either direction),
 * pages are read straight from the partitions; any other order is sorted in memory.
 */
import { decodeCursor, encodeCursor } from '../aws/dynamodb.ts';
import { idempotencyKey } from '../entity-metadata/index.ts';
import { validationError } from '../errors.ts';
import {
  BY_NAMESPACE_INDEX,
  BY_STATE_INDEX,
  type ListQuery,
  type MetadataRecord,
  type RecordKey,
  type SortKey,
  STATES,
  VISIBLE_STATES,
} from './contract.ts';

export type PartitionIndex = 'table' | typeof BY_NAMESPACE_INDEX | typeof BY_STATE_INDEX;

/** One DynamoDB Query partition: the base table (value = a type) or a GSI (value = its key). */
export interface Partition {
  index: PartitionIndex;
  value: string;
}

export type FilterField = 'namespace' | 'scope' | 'state' | 'owner';
/** Filters applied as a FilterExpression (attribute IN values). */
export type PartitionFilters = Partial<Record<FilterField, string[]>>;

export interface PartitionQuery {
  partition: Partition;
  filters: PartitionFilters;
  /** Keyset bound on the partition's sort key (`name` on the table, `type_name` on the GSIs): strictly after it. */
  after?: string;
  descending: boolean;
  limit?: number;
  startKey?: Record<string, unknown>;
  /** Only these attributes (then the items hold just them). */
  projection?: readonly string[];
}

export interface PartitionPage {
  items: MetadataRecord[];
  lastKey?: Record<string, unknown>;
}

export type PartitionFetcher = (q: PartitionQuery) => Promise<PartitionPage>;
/** A partition query as a caller states it: {@link partitionPages} manages the paging. */
export type PartitionRead = Omit<PartitionQuery, 'startKey' | 'limit'>;
export type BatchFetcher = (keys: RecordKey[]) => Promise<Map<string, MetadataRecord>>;

/**
 * Every page of one partition query, following `lastKey` (stop iterating to stop reading).
 * `limit` is asked before each page (a caller reading ahead by what it still needs).
 */
export async function* partitionPages(
  fetch: PartitionFetcher,
  query: PartitionRead,
  limit: () => number | undefined = () => undefined,
): AsyncGenerator<MetadataRecord[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const pageLimit = limit();
    const page = await fetch({
      ...query,
      ...(pageLimit ? { limit: pageLimit } : {}),
      ...(startKey ? { startKey } : {}),
    });
    startKey = page.lastKey;
    yield page.items;
  } while (startKey);
}

// ---------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------

export interface QueryPlan {
  partitions: Partition[];
  /** Filters not implied by the partitions. */
  filters: PartitionFilters;
  /** The full order: requested keys, then `type`, `name`. */
  order: SortKey[];
  /** True when `order` is the partitions' own order: pages are read directly. */
  native: boolean;
  /** Direction of the partition reads (native plans). */
  descending: boolean;
  /** Identifies the query a cursor belongs to. */
  fingerprint: string;
}

export type PlanInput = Pick<
  ListQuery,
  'types' | 'namespaces' | 'scopes' | 'states' | 'owners' | 'includeArchived' | 'sort'
>;

/** Choose the partitions, remaining filters and reading strategy of a query. */
export function planQuery(q: PlanInput, purpose = 'query'): QueryPlan {
  const states: string[] = q.states ?? (q.includeArchived ? [...STATES] : [...VISIBLE_STATES]);
  const allStates = STATES.every((s) => states.includes(s));
  const filters: PartitionFilters = {};
  let partitions: Partition[];
  if (q.types) {
    partitions = q.types.map((value) => ({ index: 'table', value }));
    if (q.namespaces) filters.namespace = q.namespaces;
    if (!allStates) filters.state = states;
  } else if (q.namespaces) {
    partitions = q.namespaces.map((value) => ({ index: BY_NAMESPACE_INDEX, value }));
    if (!allStates) filters.state = states;
  } else {
    partitions = states.map((value) => ({ index: BY_STATE_INDEX, value }));
  }
  if (q.scopes) filters.scope = q.scopes;
  if (q.owners) filters.owner = q.owners;

  const order: SortKey[] = [...q.sort];
  for (const field of ['type', 'name'] as const)
    if (!order.some((k) => k.field === field)) order.push({ field, desc: false });

  const constant = new Set<string>();
  if (q.types?.length === 1) constant.add('type');
  if (q.namespaces?.length === 1) constant.add('namespace');
  if (q.scopes?.length === 1) constant.add('scope');
  if (q.owners?.length === 1) constant.add('owner');
  if (states.length === 1) constant.add('state');
  const varying = order.filter((k) => !constant.has(k.field));
  const [first, second] = varying;
  const native =
    (varying.length === 2 &&
      first?.field === 'type' &&
      second?.field === 'name' &&
      first.desc === second.desc) ||
    (varying.length === 1 && first?.field === 'name');
  const descending = native ? (first?.desc ?? false) : false;
  const fingerprint = idempotencyKey({ purpose, partitions, filters, order }).slice(0, 24);
  return { partitions, filters, order, native, descending, fingerprint };
}

// ---------------------------------------------------------------------------------------
// Order and cursor
// ---------------------------------------------------------------------------------------

function compareValues(a: unknown, b: unknown): number {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const sx = String(x);
  const sy = String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

/** Comparator of records by `order` (absent values first when ascending). */
export function comparator(order: readonly SortKey[]) {
  return (a: object, b: object): number => {
    for (const k of order) {
      const c = compareValues(
        (a as Record<string, unknown>)[k.field],
        (b as Record<string, unknown>)[k.field],
      );
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

/** Position after which the next page starts: the order's values of the last record returned. */
export type CursorPosition = Record<string, string | number | null>;

export function positionOf(record: object, order: readonly SortKey[]): CursorPosition {
  const r = record as Record<string, unknown>;
  const out: CursorPosition = {};
  for (const k of order) {
    const v = r[k.field];
    out[k.field] = typeof v === 'string' || typeof v === 'number' ? v : null;
  }
  return out;
}

/** Records cursors carry the query's fingerprint; the scope only separates them from other lists'. */
const RECORDS_CURSOR_SCOPE = 'metadata-records';

export function encodeListCursor(plan: QueryPlan, position: CursorPosition): string {
  return encodeCursor(
    { v: 1, q: plan.fingerprint, k: JSON.stringify(plan.order.map((k) => position[k.field])) },
    RECORDS_CURSOR_SCOPE,
  );
}

/** Decode a cursor of this plan (400 `query.cursor` for a foreign, altered or other query's cursor). */
export function decodeListCursor(plan: QueryPlan, cursor: string): CursorPosition {
  const raw = decodeCursor(cursor, RECORDS_CURSOR_SCOPE);
  const bad = (message: string) => validationError([{ path: 'query.cursor', message }]);
  if (raw.v !== 1 || typeof raw.q !== 'string' || typeof raw.k !== 'string')
    throw bad('is not a cursor returned by this API');
  if (raw.q !== plan.fingerprint)
    throw bad('belongs to a different query (filters or sort changed); start again without a cursor');
  let values: unknown;
  try {
    values = JSON.parse(raw.k);
  } catch {
    throw bad('is not a cursor returned by this API');
  }
  if (
    !Array.isArray(values) ||
    values.length !== plan.order.length ||
    !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
  )
    throw bad('is not a cursor returned by this API');
  const out: CursorPosition = {};
  plan.order.forEach((k, i) => {
    out[k.field] = values[i] as string | number | null;
  });
  return out;
}

/**
 * Keyset bound of a native read on one partition: skip it entirely, or start strictly after
 * `after` in the partition's sort key. The position always holds `type` and `name`.
 */
export function partitionBound(
  p: Partition,
  position: CursorPosition | undefined,
  descending: boolean,
): { skip: boolean; after?: string } {
  if (!position) return { skip: false };
  const type = String(position.type ?? '');
  const name = String(position.name ?? '');
  if (p.index !== 'table') return { skip: false, after: `${type}#${name}` };
  if (p.value === type) return { skip: false, after: name };
  const before = descending ? p.value > type : p.value < type;
  return before ? { skip: true } : { skip: false };
}
