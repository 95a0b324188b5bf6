/**
 * The records service's contract, part 3: the query grammar of its list routes
 * (`GET /api/metadata`, `GET /api/metadata/export`): filters, sort, page size, cursor, field
 * selection. The one grammar: the kit validates query strings with it, the service receives a
 * parsed {@link ListQuery} and lib/records/query.ts only executes it. A mistake is a 400 naming
 * `query.<name>`. SDK-free (see contract.ts).
 */
import * as z from 'zod/mini';
import { type FieldIssue, toFieldIssues, validationError } from '../errors.ts';
import { MAX_QUERY_VALUE_BYTES } from '../limits/http.ts';
import {
  IDENT_MESSAGE,
  IDENT_RE,
  MAX_OWNER_LENGTH,
  RECORD_FIELDS,
  type RecordState,
  STATES,
} from './contract-record.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;
/** Most values of one comma-separated filter. */
export const MAX_FILTER_VALUES = 10;
/** Most sort keys. */
export const MAX_SORT_KEYS = 5;
/** Most `fields` paths. */
export const MAX_FIELDS = 50;

export const SORTABLE_FIELDS = [
  'type',
  'name',
  'namespace',
  'scope',
  'state',
  'owner',
  'version',
  'created_at',
  'updated_at',
  'id',
] as const;
export type SortableField = (typeof SORTABLE_FIELDS)[number];

export interface SortKey {
  field: SortableField;
  desc: boolean;
}

/** States a query returns when it names none: archived records only on request. */
export const VISIBLE_STATES: readonly RecordState[] = ['active', 'draft'];

/** The parsed query string of `GET /api/metadata` (and, in part, of export). */
export interface ListQuery {
  types?: string[];
  namespaces?: string[];
  scopes?: string[];
  states?: RecordState[];
  owners?: string[];
  includeArchived: boolean;
  sort: SortKey[];
  pageSize: number;
  cursor?: string;
  /** Selected field paths, e.g. [['name'], ['metadata', 'tags']]. */
  fields?: string[][];
}

const csv = <T extends string>(item: z.ZodMiniType<T, string>) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((s) => [...new Set(s.split(',').map((v) => v.trim()))]),
    ),
    z
      .array(item)
      .check(
        z.minLength(1),
        z.maxLength(MAX_FILTER_VALUES, { error: `at most ${MAX_FILTER_VALUES} comma-separated values` }),
      ),
  );

const identItem = z.string().check(z.regex(IDENT_RE, { error: IDENT_MESSAGE }));
const stateItem = z.enum(STATES, { error: 'must be "active", "archived" or "draft"' });
const ownerItem = z
  .string()
  .check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(MAX_OWNER_LENGTH, { error: `must be at most ${MAX_OWNER_LENGTH} characters` }),
  );

/** A `sort` or `fields` parameter: parsed by `parse`, its issues reported under the parameter. */
const parsedParam = <T>(parse: (raw: string) => T, max: number) =>
  z.pipe(
    z.string().check(z.maxLength(max)),
    z.transform((raw, ctx): T => {
      try {
        return parse(raw);
      } catch (e) {
        for (const i of issuesOf(e)) ctx.issues.push({ code: 'custom', message: i.message, input: raw });
        return z.NEVER;
      }
    }),
  );

/**
 * `GET /api/metadata`: filters (comma-separated, at most {@link MAX_FILTER_VALUES} each), sort,
 * page size, cursor, field selection; parsed into a {@link ListQuery}.
 */
export const recordListQuerySchema = z.pipe(
  z.strictObject({
    type: z.optional(csv(identItem)),
    namespace: z.optional(csv(identItem)),
    scope: z.optional(csv(identItem)),
    state: z.optional(csv(stateItem)),
    owner: z.optional(csv(ownerItem)),
    sort: z.optional(parsedParam(parseSort, 200)),
    page_size: z.optional(
      z.coerce
        .number({ error: 'must be a number' })
        .check(
          z.int({ error: 'must be an integer' }),
          z.gte(1, { error: 'must be at least 1' }),
          z.lte(MAX_PAGE_SIZE, { error: `must be at most ${MAX_PAGE_SIZE}` }),
        ),
    ),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_QUERY_VALUE_BYTES))),
    fields: z.optional(parsedParam(parseFields, 2000)),
    include_archived: z.optional(z.enum(['true', 'false'], { error: 'must be "true" or "false"' })),
  }),
  z.transform(
    (p): ListQuery => ({
      ...(p.type ? { types: p.type } : {}),
      ...(p.namespace ? { namespaces: p.namespace } : {}),
      ...(p.scope ? { scopes: p.scope } : {}),
      ...(p.state ? { states: p.state } : {}),
      ...(p.owner ? { owners: p.owner } : {}),
      includeArchived: p.include_archived === 'true',
      sort: p.sort ?? [],
      pageSize: p.page_size ?? DEFAULT_PAGE_SIZE,
      ...(p.cursor ? { cursor: p.cursor } : {}),
      ...(p.fields ? { fields: p.fields } : {}),
    }),
  ),
);

/** `GET /api/metadata/export`: every record of some types and/or namespaces, a page at a time. */
export const recordExportQuerySchema = z.strictObject({
  type: z.optional(csv(identItem)),
  namespace: z.optional(csv(identItem)),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_QUERY_VALUE_BYTES))),
});
export type ExportQuery = z.output<typeof recordExportQuerySchema>;

/** Parse `GET /api/metadata`'s query string outside the kit (tests, tools): 400 naming `query.<name>`. */
export function parseListQuery(raw: Record<string, string | undefined>): ListQuery {
  const r = recordListQuerySchema.safeParse(raw);
  if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'query'));
  return r.data;
}

function issuesOf(e: unknown): FieldIssue[] {
  const details = (e as { details?: { issues?: FieldIssue[] } }).details;
  if (Array.isArray(details?.issues)) return details.issues;
  throw e;
}

/** `sort=namespace,-updated_at,name`: `-` descending, `+` or nothing ascending. */
export function parseSort(raw: string | undefined): SortKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  const keys: SortKey[] = [];
  const issues: FieldIssue[] = [];
  for (const part of raw.split(',').map((s) => s.trim())) {
    const desc = part.startsWith('-');
    const field = part.replace(/^[-+]/, '');
    if (!(SORTABLE_FIELDS as readonly string[]).includes(field)) {
      issues.push({
        path: 'query.sort',
        message: `cannot sort by "${field}" (sortable: ${SORTABLE_FIELDS.join(', ')})`,
      });
    } else if (keys.some((k) => k.field === field)) {
      issues.push({ path: 'query.sort', message: `"${field}" is given twice` });
    } else {
      keys.push({ field: field as SortableField, desc });
    }
  }
  if (keys.length + issues.length > MAX_SORT_KEYS)
    issues.push({ path: 'query.sort', message: `at most ${MAX_SORT_KEYS} sort keys` });
  if (issues.length) throw validationError(issues);
  return keys;
}

const FIELD_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FIELD_DEPTH = 8;

/** `fields=name,type,metadata.tags`: record fields, or paths into `metadata`. */
export function parseFields(raw: string | undefined): string[][] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const issues: FieldIssue[] = [];
  const paths: string[][] = [];
  const parts = [...new Set(raw.split(',').map((s) => s.trim()))];
  if (parts.length > MAX_FIELDS)
    issues.push({ path: 'query.fields', message: `at most ${MAX_FIELDS} fields` });
  for (const part of parts) {
    const segs = part.split('.');
    const [head, ...rest] = segs;
    const known = (RECORD_FIELDS as readonly string[]).includes(head ?? '');
    if (!known) {
      issues.push({
        path: 'query.fields',
        message: `unknown field "${part}" (fields: ${RECORD_FIELDS.join(', ')}, or metadata.<path>)`,
      });
    } else if (rest.length > 0 && head !== 'metadata') {
      issues.push({ path: 'query.fields', message: `"${head}" has no sub-fields ("${part}")` });
    } else if (segs.length > MAX_FIELD_DEPTH || !rest.every((s) => FIELD_SEGMENT.test(s))) {
      issues.push({ path: 'query.fields', message: `"${part}" is not a valid metadata path` });
    } else {
      paths.push(segs);
    }
  }
  if (issues.length) throw validationError(issues);
  return paths;
}
