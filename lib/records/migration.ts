/**
 * Migrations of records, the pure part (docs/records.md "Migrations"): the request's
 * shape, the operations (`set`, `unset`, `rename`, `merge` on a dotted path into `metadata`,
 * or `set` of a top-level field), and what they do to one record, validated as any write is.
 */
import * as z from 'zod/mini';
import { PRICING_RULE_TYPE, pricingRuleIssues } from '../commerce/contract.ts';
import { deepMerge, type Metadata, parseMetadata } from '../entity-metadata/index.ts';
import { type FieldIssue, isTemporaError, toFieldIssues } from '../errors.ts';
import {
  migrationIdent as ident,
  type MetadataRecord,
  type MigrationOperation,
  type MigrationRequest,
  STATES,
  type TopLevel,
} from './contract.ts';

/** More matched records than this needs `confirm_large: true`. */
export const MIGRATION_CONFIRM_THRESHOLD = 1_000;
/** At most this many records per migration (one run holds them in memory). */
export const MAX_MIGRATION_RECORDS = 5_000;
/** Changes shown by a dry run. */
export const PREVIEW_SIZE = 10;
/** Records failing validation listed by a dry run or a refused apply. */
export const MAX_REPORTED_FAILURES = 50;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

const keysOf = (path: string): string[] => path.split('.').slice(1);

function getAt(root: Record<string, unknown>, keys: readonly string[]): unknown {
  let cur: unknown = root;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function setAt(root: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let cur = root;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function unsetAt(root: Record<string, unknown>, keys: readonly string[]): void {
  const parent = getAt(root, keys.slice(0, -1));
  if (isObject(parent)) delete parent[keys[keys.length - 1] as string];
}

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

export type MigrationOutcome =
  | { kind: 'unchanged' }
  | { kind: 'changed'; record: MetadataRecord; changes: Change[] }
  | { kind: 'invalid'; issues: FieldIssue[] };

/**
 * The record after `ops` (in order), validated as a write of it would be (its own mode,
 * top-level values, a `pricing_rule`'s rule). `record` is not modified. Bookkeeping
 * (version, updated_*) is the caller's.
 */
export function migrateRecord(record: MetadataRecord, ops: readonly MigrationOperation[]): MigrationOutcome {
  const metadata = clone(record.metadata) as Record<string, unknown>;
  const top: Partial<Record<TopLevel, unknown>> = {};
  const touched = new Set<string>();
  for (const o of ops) {
    if (!o.path.startsWith('metadata.')) {
      top[o.path as TopLevel] = o.value;
      touched.add(o.path);
      continue;
    }
    const keys = keysOf(o.path);
    touched.add(o.path);
    if (o.op === 'set') setAt(metadata, keys, clone(o.value));
    else if (o.op === 'unset') unsetAt(metadata, keys);
    else if (o.op === 'merge') {
      const cur = getAt(metadata, keys);
      setAt(
        metadata,
        keys,
        isObject(cur) ? deepMerge(cur, clone(o.value) as Record<string, unknown>) : clone(o.value),
      );
    } else if (o.op === 'rename' && o.to) {
      const v = getAt(metadata, keys);
      if (v !== undefined) {
        unsetAt(metadata, keys);
        setAt(metadata, keysOf(o.to), v);
        touched.add(o.to);
      }
    }
  }
  const issues: FieldIssue[] = [];
  const next: MetadataRecord = { ...record, metadata: metadata as Metadata };
  for (const [field, value] of Object.entries(top)) {
    const schema =
      field === 'state'
        ? z.enum(STATES)
        : field === 'owner'
          ? z.string().check(z.minLength(1), z.maxLength(256))
          : ident;
    const r = schema.safeParse(value);
    if (r.success) (next as unknown as Record<string, unknown>)[field] = r.data;
    else issues.push(...toFieldIssues(r.error.issues, field));
  }
  try {
    next.metadata = parseMetadata(metadata, { mode: record.validation });
  } catch (e) {
    if (!isTemporaError(e)) throw e;
    const d = e.details as { issues?: FieldIssue[] } | undefined;
    issues.push(...(d?.issues ?? [{ path: 'metadata', message: e.message }]));
  }
  if (record.type === PRICING_RULE_TYPE) issues.push(...pricingRuleIssues(next.metadata));
  if (issues.length) return { kind: 'invalid', issues };
  const changes: Change[] = [];
  for (const p of [...touched].sort()) {
    const read = (r: MetadataRecord) =>
      p.startsWith('metadata.')
        ? getAt(r.metadata as Record<string, unknown>, keysOf(p))
        : (r as unknown as Record<string, unknown>)[p];
    const before = read(record);
    const after = read(next);
    if (JSON.stringify(before) !== JSON.stringify(after))
      changes.push({
        path: p,
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
      });
  }
  if (changes.length === 0 && JSON.stringify(record.metadata) === JSON.stringify(next.metadata))
    return { kind: 'unchanged' };
  return { kind: 'changed', record: next, changes };
}

/** Does `record` still match the migration's filter (after a concurrent edit)? */
export function matchesFilter(record: MetadataRecord, filter: MigrationRequest['filter']): boolean {
  return (
    record.type === filter.type &&
    (filter.namespace === undefined || record.namespace === filter.namespace) &&
    (filter.scope === undefined || record.scope === filter.scope) &&
    (filter.state === undefined || record.state === filter.state)
  );
}
