/**
 * The pure part of `tempora records import`: the order records are sent in (every base before
 * the records that extend it), the requests they are cut into (at most the API's per-request
 * cap and below its body limit), and the one report made of the API's per-request reports.
 */

/** A record as read from an export file: an object with at least `type` and `name` when valid (or anything, when not). */
export type FileRecord = unknown;

/** One result of the API's import report (lib/records/bulk.ts `OpResult`), index = in the file. */
export interface ImportResult {
  index: number;
  type: string | null;
  name: string | null;
  status: 'ok' | 'error';
  outcome?: string;
  version?: number;
  error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

/** The API's answer to one `POST /api/metadata/import`. */
export interface ApiImportReport {
  summary: Record<string, number>;
  results: ImportResult[];
}

/** One request: the records (indexes into the file) it imports, and the bases sent along. */
export interface ImportChunk {
  /** File indexes of the records this request imports, in order. */
  indexes: number[];
  /**
   * File indexes of records of earlier requests that these records extend (transitively).
   * A dry run sends them first so that `extends` checks see them (nothing is written in a dry
   * run, so an earlier request's records do not exist yet); their results are not counted.
   */
  bases: number[];
}

/** Body limit of the HTTP API is 256 KB; the records of one request stay under this. */
export const MAX_CHUNK_BYTES = 200_000;
/** Records per request unless `--chunk-size` says otherwise. */
export const DEFAULT_CHUNK_SIZE = 250;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A field of a record, or undefined when the record is not an object. */
const field = (r: FileRecord, key: string): string | undefined =>
  r !== null && typeof r === 'object' ? str((r as Record<string, unknown>)[key]) : undefined;

/** `type/name` of a record, or undefined when it has no string type and name. */
export function refOfRecord(r: FileRecord): string | undefined {
  const type = field(r, 'type');
  const name = field(r, 'name');
  return type !== undefined && name !== undefined ? `${type}/${name}` : undefined;
}

/** The `type/name` a record extends (`extends: "name"` means the record's own type). */
export function baseRefOf(r: FileRecord): string | undefined {
  const ext = field(r, 'extends');
  if (!ext) return undefined;
  if (ext.includes('/')) return ext;
  const type = field(r, 'type');
  return type === undefined ? undefined : `${type}/${ext}`;
}

/** `type/name` → index of its first record in the file. */
function indexByRef(records: readonly FileRecord[]): Map<string, number> {
  const byRef = new Map<string, number>();
  records.forEach((r, i) => {
    const ref = refOfRecord(r);
    if (ref !== undefined && !byRef.has(ref)) byRef.set(ref, i);
  });
  return byRef;
}

/**
 * File indexes in sending order: the file's order, except that a record extended by others of
 * the file comes before them (depth first along `extends`; a cycle is left as it is, the API
 * reports it).
 */
export function sendingOrder(records: readonly FileRecord[]): number[] {
  const byRef = indexByRef(records);
  const order: number[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (i: number): void => {
    if (state.has(i)) return;
    state.set(i, 'visiting');
    const base = baseRefOf(records[i]);
    const b = base === undefined ? undefined : byRef.get(base);
    if (b !== undefined && b !== i) visit(b);
    state.set(i, 'done');
    order.push(i);
  };
  for (let i = 0; i < records.length; i++) visit(i);
  return order;
}

/** Bytes of a record in a request body (its JSON and a comma). */
export const recordBytes = (r: unknown): number => Buffer.byteLength(JSON.stringify(r) ?? 'null') + 1;

/**
 * Cuts the records, in {@link sendingOrder}, into requests of at most `chunkSize` records and
 * {@link MAX_CHUNK_BYTES} bytes, counting the bases a dry run sends along. A record larger
 * than the byte budget travels alone (the API then answers for it).
 */
export function planChunks(records: readonly FileRecord[], chunkSize: number): ImportChunk[] {
  const order = sendingOrder(records);
  const byRef = indexByRef(records);
  const sizes = records.map(recordBytes);
  const chunkOf = new Map<number, number>();
  const chunks: ImportChunk[] = [];
  let current: { indexes: number[]; bases: Set<number>; bytes: number } | undefined;

  /** Records of earlier chunks that `i` extends, transitively. */
  const earlierBases = (i: number, chunkIndex: number): number[] => {
    const out: number[] = [];
    const seen = new Set<number>([i]);
    for (let ref = baseRefOf(records[i]); ref !== undefined; ) {
      const b = byRef.get(ref);
      if (b === undefined || seen.has(b)) break;
      seen.add(b);
      const c = chunkOf.get(b);
      if (c !== undefined && c < chunkIndex) out.push(b);
      ref = baseRefOf(records[b]);
    }
    return out;
  };

  const close = (): void => {
    if (current && current.indexes.length > 0)
      chunks.push({ indexes: current.indexes, bases: [...current.bases].sort((a, b) => a - b) });
    current = undefined;
  };

  for (const i of order) {
    for (let attempt = 0; attempt < 2; attempt++) {
      current ??= { indexes: [], bases: new Set(), bytes: 0 };
      const newBases = earlierBases(i, chunks.length).filter((b) => !current!.bases.has(b));
      const addBytes = sizes[i]! + newBases.reduce((n, b) => n + sizes[b]!, 0);
      const count = current.indexes.length + current.bases.size + 1 + newBases.length;
      const fits = count <= chunkSize && current.bytes + addBytes <= MAX_CHUNK_BYTES;
      if (fits || current.indexes.length === 0) {
        current.indexes.push(i);
        for (const b of newBases) current.bases.add(b);
        current.bytes += addBytes;
        chunkOf.set(i, chunks.length);
        break;
      }
      close();
    }
  }
  close();
  return chunks;
}

/** The report of a whole import: the per-request reports, with indexes into the file. */
export interface ImportReport {
  mode: string;
  dry_run: boolean;
  summary: Record<string, number>;
  results: ImportResult[];
}

/**
 * The results of one request as results of the file: the request held `chunk.bases` (dry run
 * only) then `chunk.indexes`; the bases' results are dropped, the rest get their file index.
 */
export function fileResultsOf(
  chunk: ImportChunk,
  sentBases: boolean,
  report: ApiImportReport,
): ImportResult[] {
  const offset = sentBases ? chunk.bases.length : 0;
  const out: ImportResult[] = [];
  for (const r of report.results) {
    if (r.index < offset) continue;
    const fileIndex = chunk.indexes[r.index - offset];
    if (fileIndex === undefined) continue;
    out.push({ ...r, index: fileIndex });
  }
  return out;
}

/** One line per result in error: `records[3] view/grid: validation_failed: extends: …`. */
export function errorLines(results: readonly ImportResult[]): string[] {
  return results
    .filter((r) => r.status === 'error')
    .map((r) => {
      const who = r.type !== null && r.name !== null ? ` ${r.type}/${r.name}` : '';
      return `records[${r.index}]${who}: ${r.error?.code ?? 'error'}: ${r.error?.message ?? 'failed'}`;
    });
}

/** `30 records: 30 ok (created 28, updated 2), 0 errors`. */
export function summaryLine(summary: Record<string, number>): string {
  const outcomes = Object.entries(summary)
    .filter(([k, n]) => !['total', 'ok', 'error'].includes(k) && n > 0)
    .map(([k, n]) => `${k} ${n}`);
  const total = summary.total ?? 0;
  const errors = summary.error ?? 0;
  return `${total} record${total === 1 ? '' : 's'}: ${summary.ok ?? 0} ok${
    outcomes.length ? ` (${outcomes.join(', ')})` : ''
  }, ${errors} error${errors === 1 ? '' : 's'}`;
}
