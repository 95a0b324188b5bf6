/**
 * Reading a planned query's page (pure; DynamoDB calls are injected): straight from the
 * partitions in index order (Limit page_size + 1, merged), or, for any other order, the
 * matching keys (at most {@link MAX_SORT_SET}) sorted in memory and the page's records fetched
 * with BatchGetItem; field selection and the response byte budget.
 */
import { badRequest } from '../errors.ts';
import { type MetadataRecord, refOf } from './contract.ts';
import {
  type BatchFetcher,
  type CursorPosition,
  comparator,
  type PartitionFetcher,
  type PartitionFilters,
  partitionBound,
  partitionPages,
  positionOf,
  type QueryPlan,
} from './query.ts';

/** Most records a query sorted in memory may match. */
export const MAX_SORT_SET = 10_000;
/** Largest page body (JSON bytes of the items); a page stops early beyond it (Lambda responses are ≤ 6 MB). */
export const MAX_PAGE_BYTES = 3_000_000;
/** Most items one filtered Query call evaluates on a native read (read-ahead bound). */
export const MAX_FILTERED_READ = 1000;

// ---------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------

/** The selected fields of a record (plus `type` and `name`, which identify it). */
export function selectFields(record: MetadataRecord, paths: string[][] | undefined): Record<string, unknown> {
  if (!paths) return record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: record.type, name: record.name };
  for (const path of paths) {
    let src: unknown = record;
    for (const seg of path) {
      src =
        src !== null && typeof src === 'object' && Object.hasOwn(src, seg)
          ? (src as Record<string, unknown>)[seg]
          : undefined;
    }
    if (src === undefined) continue;
    let dst = out;
    path.forEach((seg, i) => {
      if (i === path.length - 1) {
        dst[seg] = src;
        return;
      }
      const next = dst[seg];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) dst[seg] = {};
      dst = dst[seg] as Record<string, unknown>;
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

export interface PageResult {
  /** In order, at most the page size. */
  items: MetadataRecord[];
  /** More records follow the last item. */
  more: boolean;
  /** Where to continue when `items` is empty but `more` is true (records vanished between reads). */
  tail?: CursorPosition;
}

const hasFilters = (f: PartitionFilters): boolean => Object.values(f).some((v) => v && v.length > 0);

/** A page read straight from the partitions in index order (native plans). */
export async function nativePage(
  plan: QueryPlan,
  position: CursorPosition | undefined,
  pageSize: number,
  fetch: PartitionFetcher,
): Promise<PageResult> {
  const need = pageSize + 1;
  const filtered = hasFilters(plan.filters);
  const perPartition = await Promise.all(
    plan.partitions.map(async (partition) => {
      const bound = partitionBound(partition, position, plan.descending);
      if (bound.skip) return [];
      const out: MetadataRecord[] = [];
      const query = {
        partition,
        filters: plan.filters,
        descending: plan.descending,
        ...(bound.after === undefined ? {} : { after: bound.after }),
      };
      // With a FilterExpression, Limit counts evaluated items: read a little ahead.
      const limit = () =>
        filtered ? Math.min(MAX_FILTERED_READ, Math.max(50, 2 * (need - out.length))) : need - out.length;
      for await (const items of partitionPages(fetch, query, limit)) {
        out.push(...items);
        if (out.length >= need) break;
      }
      return out;
    }),
  );
  const merged = perPartition.flat().sort(comparator(plan.order));
  return { items: merged.slice(0, pageSize), more: merged.length > pageSize };
}

/** A page of a query sorted in memory: keys first (projection), then the page's records. */
export async function sortedPage(
  plan: QueryPlan,
  position: CursorPosition | undefined,
  pageSize: number,
  fetch: PartitionFetcher,
  batchGet: BatchFetcher,
  maxSortSet = MAX_SORT_SET,
): Promise<PageResult> {
  const projection = [...new Set(['type', 'name', ...plan.order.map((k) => k.field)])];
  let total = 0;
  const tooMany = () =>
    badRequest(
      `This sort needs every matching record in memory and the query matches more than ${maxSortSet}; ` +
        'add filters or use the default order (type, name), which pages without that limit',
      { limit: maxSortSet },
    );
  const perPartition = await Promise.all(
    plan.partitions.map(async (partition) => {
      const out: MetadataRecord[] = [];
      for await (const items of partitionPages(fetch, {
        partition,
        filters: plan.filters,
        descending: false,
        projection,
      })) {
        out.push(...items);
        total += items.length;
        if (total > maxSortSet) throw tooMany();
      }
      return out;
    }),
  );
  const cmp = comparator(plan.order);
  const all = perPartition.flat().sort(cmp);
  const start = position ? firstAfter(all, position, cmp) : 0;
  const window = all.slice(start, start + pageSize);
  const more = all.length > start + pageSize;
  if (window.length === 0) return { items: [], more: false };
  const full = await batchGet(window.map((k) => ({ type: k.type, name: k.name })));
  const items = window.flatMap((k) => {
    const r = full.get(refOf(k));
    return r ? [r] : [];
  });
  const last = window[window.length - 1];
  return { items, more, ...(last ? { tail: positionOf(last, plan.order) } : {}) };
}

/** Index of the first element strictly after `position` (binary search over sorted `all`). */
function firstAfter(
  all: readonly object[],
  position: CursorPosition,
  cmp: (a: object, b: object) => number,
): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(all[mid] as object, position) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** JSON bytes of a value. */
export const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * The longest prefix of `values` whose JSON stays within `maxBytes` (always at least one
 * value, so a page always advances).
 */
export function cutToBudget<T>(
  values: readonly T[],
  maxBytes: number,
  size: (v: T) => number = jsonBytes,
): T[] {
  let used = 0;
  const out: T[] = [];
  for (const v of values) {
    const s = size(v) + 1;
    if (out.length > 0 && used + s > maxBytes) break;
    used += s;
    out.push(v);
  }
  return out;
}
