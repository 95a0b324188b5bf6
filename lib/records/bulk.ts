/**
 * Bulk writes (bulk route and import): validate every operation, read what exists, compute
 * every resulting record, check `extends` against the union of stored and incoming records,
 * then write with BatchWriteItem (chunks of 25) or one TransactWriteItems (≤ 100 actions).
 *
 * BatchWriteItem cannot carry conditions, so a non-transactional bulk write is
 * last-writer-wins: each record's new version is the version read by the BatchGetItem before
 * the write, plus one. A concurrent single write between that read and the batch is
 * overwritten. A transactional bulk write conditions every action on the version it read
 * (or on absence), so it either applies entirely over exactly what it read or not at all.
 */
import { type FieldIssue, isTemporaError, TemporaError, toFieldIssues } from '../errors.ts';
import {
  bulkOperationSchema,
  type ImportMode,
  importRecordSchema,
  type MetadataRecord,
  metadataIssuesOf,
  type OnConflict,
  parseRef,
  type RecordKey,
  refOf,
  type WriteInput,
  withoutServerFields,
  writeInputOf,
} from './contract.ts';
import { applyWrite, type WriteContext, type WriteOutcome } from './records.ts';
import { checkExtends, MAX_CHAIN_DEPTH } from './resolve.ts';
import type { BatchWrite, RecordRepo, TxAction } from './store.ts';

export type OpOutcome = WriteOutcome | 'deleted' | 'not_found';

export interface RecordError {
  code: string;
  message: string;
  /** Field issues, paths relative to the record (e.g. `metadata.tags[0]`, `extends`). */
  issues?: FieldIssue[];
}

export interface OpResult {
  index: number;
  type: string | null;
  name: string | null;
  status: 'ok' | 'error';
  outcome?: OpOutcome;
  version?: number;
  error?: RecordError;
}

/** A validated operation. */
export interface PreparedOp {
  index: number;
  op: 'upsert' | 'delete';
  key: RecordKey;
  input: WriteInput;
  onConflict: OnConflict;
}

export interface PlannedOp {
  op: PreparedOp;
  outcome: OpOutcome;
  /** The stored record after the write (the existing one when skipped; absent for deletes). */
  record?: MetadataRecord;
  /** The DynamoDB write, with the version it was computed from; absent when nothing is written. */
  write?: TxAction;
}

export interface ParsedOps {
  ops: PreparedOp[];
  /** Per-index errors found by validation. */
  errors: Map<number, RecordError>;
  /** Reported identity of every index (also of invalid ones). */
  keys: Map<number, { type: string | null; name: string | null }>;
  total: number;
}

/** The error of a record, from a thrown TemporaError (other errors propagate). */
export function recordErrorOf(e: unknown): RecordError {
  if (!isTemporaError(e)) throw e;
  const issues = (e.details as { issues?: FieldIssue[] } | undefined)?.issues;
  return { code: e.code, message: e.message, ...(Array.isArray(issues) ? { issues } : {}) };
}

const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Validate the items of a bulk (`operations`) or import (`records`) array one by one:
 * shape, and duplicates of the same (type, name).
 */
export function parseOps(
  items: readonly unknown[],
  kind: 'bulk' | 'import',
  defaults: { onConflict: OnConflict },
): ParsedOps {
  const errors = new Map<number, RecordError>();
  const keys = new Map<number, { type: string | null; name: string | null }>();
  const ops: PreparedOp[] = [];
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const raw = (item ?? {}) as Record<string, unknown>;
    keys.set(index, { type: strOrNull(raw.type), name: strOrNull(raw.name) });
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      errors.set(index, {
        code: 'validation_failed',
        message: 'must be an object',
        issues: [{ path: '', message: 'must be an object' }],
      });
      return;
    }
    let op: PreparedOp;
    if (kind === 'bulk') {
      const { rest, issues: readOnly } = withoutServerFields(raw);
      const r = bulkOperationSchema.safeParse(rest);
      if (!r.success || readOnly.length > 0) {
        errors.set(
          index,
          shapeError([...readOnly, ...(r.success ? [] : toFieldIssues(r.error.issues))], rest),
        );
        return;
      }
      const { op: verb, type, name, on_conflict, ...fields } = r.data;
      if (verb === 'delete' && Object.keys(fields).length > 0) {
        const extra = Object.keys(fields).map((f) => ({ path: f, message: 'is not allowed on a delete' }));
        errors.set(index, invalid(extra));
        return;
      }
      op = {
        index,
        op: verb,
        key: { type, name },
        input: writeInputOf(fields, type),
        onConflict: on_conflict ?? defaults.onConflict,
      };
    } else {
      const r = importRecordSchema.safeParse(item);
      if (!r.success) {
        errors.set(index, shapeError(toFieldIssues(r.error.issues), raw));
        return;
      }
      const {
        type,
        name,
        id: _i,
        version: _v,
        created_by: _cb,
        created_at: _ca,
        updated_by: _ub,
        updated_at: _ua,
        ...fields
      } = r.data;
      op = {
        index,
        op: 'upsert',
        key: { type, name },
        input: writeInputOf(fields, type),
        onConflict: defaults.onConflict,
      };
    }
    const ref = refOf(op.key);
    const first = firstIndex.get(ref);
    if (first !== undefined) {
      const where = kind === 'bulk' ? `operations[${first}]` : `records[${first}]`;
      errors.set(
        index,
        invalid([{ path: 'name', message: `${ref} is also in ${where}: one operation per record` }]),
      );
      return;
    }
    firstIndex.set(ref, index);
    ops.push(op);
  });
  return { ops, errors, keys, total: items.length };
}

/** A record whose fields are invalid: those issues plus its metadata's own (or its 413). */
function shapeError(issues: FieldIssue[], raw: Record<string, unknown>): RecordError {
  try {
    return invalid([...issues, ...metadataIssuesOf(raw)]);
  } catch (e) {
    return recordErrorOf(e);
  }
}

const invalid = (issues: FieldIssue[]): RecordError => ({
  code: 'validation_failed',
  message: issues.map((i) => `${i.path || '(record)'}: ${i.message}`).join('; '),
  issues,
});

/**
 * Compute every operation's result over what is stored: outcome, record and conditional
 * write, plus the per-index errors (metadata, on_conflict=error, extends). Nothing is written.
 */
export async function planOps(
  ops: readonly PreparedOp[],
  repo: RecordRepo,
  ctx: WriteContext,
): Promise<{ planned: Map<number, PlannedOp>; errors: Map<number, RecordError> }> {
  const existing = ops.length
    ? await repo.batchGet(ops.map((o) => o.key))
    : new Map<string, MetadataRecord>();
  const planned = new Map<number, PlannedOp>();
  const errors = new Map<number, RecordError>();
  for (const op of ops) {
    const current = existing.get(refOf(op.key));
    if (op.op === 'delete') {
      planned.set(op.index, {
        op,
        outcome: current ? 'deleted' : 'not_found',
        ...(current ? { write: { delete: op.key, expectedVersion: current.version } } : {}),
      });
      continue;
    }
    try {
      const { outcome, record } = applyWrite(current, op.key, op.input, op.onConflict, ctx);
      planned.set(op.index, {
        op,
        outcome,
        record,
        ...(outcome === 'skipped'
          ? {}
          : { write: { put: record, expectedVersion: current?.version ?? null } }),
      });
    } catch (e) {
      errors.set(op.index, recordErrorOf(e));
    }
  }
  await checkExtendsInUnion(ops, planned, errors, existing, repo);
  for (const index of errors.keys()) planned.delete(index);
  return { planned, errors };
}

/**
 * `extends` of every upsert that writes, checked against the union of stored records and the
 * valid operations (deleted records are absent, failed operations keep the stored record).
 * Bases outside the request are fetched (BatchGetItem) round by round along the chains. An
 * operation that fails removes its record from the union, which can fail others: repeated
 * until no new error appears.
 */
async function checkExtendsInUnion(
  ops: readonly PreparedOp[],
  planned: Map<number, PlannedOp>,
  errors: Map<number, RecordError>,
  existing: Map<string, MetadataRecord>,
  repo: RecordRepo,
): Promise<void> {
  const opByRef = new Map(ops.map((o) => [refOf(o.key), o]));
  const loaded = new Map<string, MetadataRecord | null>();
  for (const o of ops) loaded.set(refOf(o.key), existing.get(refOf(o.key)) ?? null);

  const union = (ref: string, missing: Set<string>): { extends?: string } | undefined => {
    const op = opByRef.get(ref);
    const p = op && !errors.has(op.index) ? planned.get(op.index) : undefined;
    if (p) return p.op.op === 'delete' ? undefined : p.record;
    const stored = loaded.get(ref);
    if (stored === undefined) {
      missing.add(ref);
      return undefined;
    }
    return stored ?? undefined;
  };

  for (let round = 0; round < ops.length + MAX_CHAIN_DEPTH + 2; round++) {
    const missing = new Set<string>();
    const found = new Map<number, FieldIssue>();
    for (const [index, p] of planned) {
      if (errors.has(index) || !p.write || !p.record?.extends) continue;
      const issue = await checkExtends(p.op.key, p.record.extends, async (ref) => union(ref, missing));
      if (issue) found.set(index, issue);
    }
    if (missing.size > 0) {
      const more = await repo.batchGet([...missing].map(parseRef));
      for (const ref of missing) loaded.set(ref, more.get(ref) ?? null);
      continue;
    }
    if (found.size === 0) return;
    for (const [index, issue] of found) errors.set(index, invalid([issue]));
  }
}

/** Writes of the planned operations, in index order, for BatchWriteItem. */
export function batchWritesOf(planned: Map<number, PlannedOp>): Array<{ index: number; write: BatchWrite }> {
  return [...planned.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([index, p]) => {
      if (!p.write) return [];
      return [{ index, write: 'put' in p.write ? { put: p.write.put } : { delete: p.write.delete } }];
    });
}

/** Transactional actions of the planned operations, in index order. */
export function txActionsOf(planned: Map<number, PlannedOp>): Array<{ index: number; action: TxAction }> {
  return [...planned.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([index, p]) => (p.write ? [{ index, action: p.write }] : []));
}

/** The per-index report, in index order. */
export function buildResults(
  parsed: ParsedOps,
  planned: Map<number, PlannedOp>,
  errors: Map<number, RecordError>,
): OpResult[] {
  const out: OpResult[] = [];
  for (let index = 0; index < parsed.total; index++) {
    const id = parsed.keys.get(index) ?? { type: null, name: null };
    const error = errors.get(index) ?? parsed.errors.get(index);
    const p = planned.get(index);
    if (error || !p) {
      out.push({
        index,
        ...id,
        status: 'error',
        error: error ?? { code: 'internal_error', message: 'operation was not planned' },
      });
      continue;
    }
    out.push({
      index,
      ...id,
      status: 'ok',
      outcome: p.outcome,
      ...(p.record && p.outcome !== 'deleted' ? { version: p.record.version } : {}),
    });
  }
  return out;
}

/** Count of results by status and outcome. */
export function summarize(results: readonly { status: string; outcome?: string }[]): Record<string, number> {
  const summary: Record<string, number> = { total: results.length, ok: 0, error: 0 };
  for (const r of results) {
    summary[r.status] = (summary[r.status] ?? 0) + 1;
    if (r.outcome) summary[r.outcome] = (summary[r.outcome] ?? 0) + 1;
  }
  return summary;
}

/**
 * The error of a request whose records are invalid (without continue_on_error): 409 when
 * every failure is a conflict (on_conflict=error), else 400; details list every bad record
 * and every issue by its full path (`operations[3].metadata.tags[0]`).
 */
export function recordsError(
  results: readonly OpResult[],
  listName: 'operations' | 'records',
  total: number,
): TemporaError {
  const bad = results.filter((r) => r.status === 'error');
  const issues: FieldIssue[] = bad.flatMap((r) =>
    (r.error?.issues?.length ? r.error.issues : [{ path: '', message: r.error?.message ?? 'invalid' }]).map(
      (i) => ({ path: `${listName}[${r.index}]${i.path ? `.${i.path}` : ''}`, message: i.message }),
    ),
  );
  const records = bad.map((r) => ({ index: r.index, type: r.type, name: r.name, error: r.error }));
  const allConflicts = bad.every((r) => r.error?.code === 'conflict');
  const message = `${bad.length} of ${total} ${listName} ${bad.length === 1 ? 'is' : 'are'} invalid; nothing was written`;
  return allConflicts
    ? new TemporaError(409, 'conflict', message, { records })
    : new TemporaError(400, 'validation_failed', message, { issues, records });
}

/** `mode` of an import as an on_conflict policy. */
export const onConflictOfImportMode = (mode: ImportMode): OnConflict =>
  mode === 'merge' ? 'update' : mode === 'replace' ? 'replace' : 'skip';
