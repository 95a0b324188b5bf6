/**
 * The records service's list reads: `GET /api/metadata` (a page of a query: plan, native or
 * sorted page, field selection, byte budget, cursor) and `GET /api/metadata/export` (every
 * record of some types or namespaces, `next_cursor` beyond {@link MAX_EXPORT_BYTES}). A list
 * read from the table (`type` given) is strongly consistent; one from an index is not
 * (docs/contract.md "Reads that see your own writes").
 */
import { EXPORT_FORMAT, type ExportQuery, type ListQuery, type MetadataRecord, STATES } from './contract.ts';
import { cutToBudget, jsonBytes, MAX_PAGE_BYTES, nativePage, selectFields, sortedPage } from './pages.ts';
import { type CursorPosition, decodeListCursor, encodeListCursor, planQuery, positionOf } from './query.ts';
import type { RecordRepo } from './store.ts';

/** Largest export body (JSON bytes of the records); beyond it the export continues with `next_cursor`. */
export const MAX_EXPORT_BYTES = MAX_PAGE_BYTES;

export interface RecordExport {
  format: string;
  exported_at: string;
  count: number;
  records: MetadataRecord[];
  next_cursor: string | null;
}

/** A page of `GET /api/metadata`. */
export async function queryRecords(
  repo: RecordRepo,
  q: ListQuery,
): Promise<{ items: Record<string, unknown>[]; next_cursor: string | null }> {
  const plan = planQuery(q);
  const position = q.cursor ? decodeListCursor(plan, q.cursor) : undefined;
  const fetch = repo.queryPartition.bind(repo);
  const page = plan.native
    ? await nativePage(plan, position, q.pageSize, fetch)
    : await sortedPage(plan, position, q.pageSize, fetch, (keys) => repo.batchGet(keys));
  const views = page.items.map((r) => selectFields(r, q.fields));
  const kept = cutToBudget(views, MAX_PAGE_BYTES);
  const more = page.more || kept.length < views.length;
  const last = kept.length > 0 ? page.items[kept.length - 1] : undefined;
  const next: CursorPosition | undefined = last ? positionOf(last, plan.order) : page.tail;
  return { items: kept, next_cursor: more && next ? encodeListCursor(plan, next) : null };
}

/** Every record matching `type`/`namespace` (all states), in (type, name) order. */
export async function exportRecords(repo: RecordRepo, q: ExportQuery, now: Date): Promise<RecordExport> {
  const { type: types, namespace: namespaces } = q;
  const plan = planQuery(
    {
      ...(types ? { types } : {}),
      ...(namespaces ? { namespaces } : {}),
      states: [...STATES],
      includeArchived: true,
      sort: [],
    },
    'export',
  );
  let position = q.cursor ? decodeListCursor(plan, q.cursor) : undefined;
  const records: MetadataRecord[] = [];
  let bytes = 0;
  let truncated = false;
  const fetch = repo.queryPartition.bind(repo);
  for (;;) {
    const page = await nativePage(plan, position, 1000, fetch);
    for (const r of page.items) {
      const size = jsonBytes(r) + 1;
      if (records.length > 0 && bytes + size > MAX_EXPORT_BYTES) {
        truncated = true;
        break;
      }
      bytes += size;
      records.push(r);
      position = positionOf(r, plan.order);
    }
    if (truncated || !page.more) break;
  }
  return {
    format: EXPORT_FORMAT,
    exported_at: now.toISOString(),
    count: records.length,
    records,
    next_cursor: truncated && position ? encodeListCursor(plan, position) : null,
  };
}
