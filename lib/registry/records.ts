/**
 * Records of the records service and the request shapes of its routes (zod v4), declared
 * here (base) so the registry's RECORDS_ROUTES name them and the kit enforces them.
 *
 * A record is unique per (type, name). `metadata` is validated separately with
 * `parseMetadata`, in the mode named by the record's `validation` field, because an update
 * merges it into the stored document first.
 */
import * as z from 'zod/mini';
import { type Metadata, parseMetadata, type ValidationMode } from '../entity-metadata/index.ts';
import { type FieldIssue, isTemporaError, toFieldIssues } from '../errors.ts';
import { documentedAs } from './schemas.ts';

/** Format of type, name, namespace and scope. */
export const IDENT_RE = /^[a-z][a-z0-9_.-]{0,63}$/;
export const IDENT_MESSAGE =
  'must start with a lower-case letter and contain only a-z, 0-9, "_", "." or "-" (at most 64 characters)';
/** `extends`: `type/name`, or a bare `name` within the record's own type. */
export const EXTENDS_RE = /^(?:[a-z][a-z0-9_.-]{0,63}\/)?[a-z][a-z0-9_.-]{0,63}$/;

export const STATES = ['active', 'archived', 'draft'] as const;
export type RecordState = (typeof STATES)[number];
export const STRATEGIES = ['merge', 'replace'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const VALIDATION_MODES = ['strict', 'lenient'] as const satisfies readonly ValidationMode[];
export const ON_CONFLICT = ['update', 'error', 'skip', 'replace'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_SCOPE = 'platform';
export const DEFAULT_STATE: RecordState = 'active';
export const DEFAULT_STRATEGY: Strategy = 'merge';
export const DEFAULT_VALIDATION: ValidationMode = 'strict';
export const MAX_OWNER_LENGTH = 256;

export interface RecordKey {
  type: string;
  name: string;
}

/** A record as the API returns it. */
export interface MetadataRecord extends RecordKey {
  id: string;
  namespace: string;
  scope: string;
  metadata: Metadata;
  /** Base record, always stored as `type/name`. Absent when the record extends nothing. */
  extends?: string;
  strategy: Strategy;
  validation: ValidationMode;
  owner: string;
  state: RecordState;
  version: number;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

/** Every field of a record, in the order the API writes them. */
export const RECORD_FIELDS = [
  'id',
  'type',
  'name',
  'namespace',
  'scope',
  'metadata',
  'extends',
  'strategy',
  'validation',
  'owner',
  'state',
  'version',
  'created_by',
  'created_at',
  'updated_by',
  'updated_at',
] as const satisfies ReadonlyArray<keyof MetadataRecord>;

/** Fields the server owns: PUT rejects them, import ignores them. */
export const SERVER_FIELDS = [
  'id',
  'version',
  'created_by',
  'created_at',
  'updated_by',
  'updated_at',
] as const;

/** `type/name`: how records are named in `extends`, messages and reports. */
export const refOf = (k: RecordKey): string => `${k.type}/${k.name}`;

/** `type#name`: the sort key of the GSIs; orders exactly like the tuple (type, name). */
export const typeNameOf = (k: RecordKey): string => `${k.type}#${k.name}`;

/** Parse a `type/name` reference (as produced by {@link refOf}). */
export function parseRef(ref: string): RecordKey {
  const slash = ref.indexOf('/');
  return { type: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** Normalise an `extends` value to `type/name` (a bare name means the record's own type). */
export const normalizeExtends = (value: string, ownType: string): string =>
  value.includes('/') ? value : `${ownType}/${value}`;

const ident = z.string({ error: 'must be a string' }).check(z.regex(IDENT_RE, { error: IDENT_MESSAGE }));

/** Fields a client may write (PUT body, bulk operation, import record). */
const writableShape = {
  namespace: z.optional(ident),
  scope: z.optional(ident),
  /** Validated with parseMetadata in the record's validation mode. */
  metadata: z.optional(z.unknown()),
  extends: z.optional(
    z.union(
      [
        z.string().check(z.regex(EXTENDS_RE, { error: 'must be "type/name" or "name" (same type)' })),
        z.null(),
      ],
      {
        error: 'must be "type/name", "name" (same type) or null',
      },
    ),
  ),
  strategy: z.optional(z.enum(STRATEGIES, { error: 'must be "merge" or "replace"' })),
  validation: z.optional(z.enum(VALIDATION_MODES, { error: 'must be "strict" or "lenient"' })),
  owner: z.optional(
    z
      .string({ error: 'must be a string' })
      .check(
        z.minLength(1, { error: 'must not be empty' }),
        z.maxLength(MAX_OWNER_LENGTH, { error: `must be at most ${MAX_OWNER_LENGTH} characters` }),
      ),
  ),
  state: z.optional(z.enum(STATES, { error: 'must be "active", "archived" or "draft"' })),
};

const onConflict = z.enum(ON_CONFLICT, { error: 'must be "update", "error", "skip" or "replace"' });

/** The writable fields of a request, `metadata` still unparsed. */
export interface WriteInput {
  namespace?: string;
  scope?: string;
  metadata?: unknown;
  /** `null` clears the base on update. */
  extends?: string | null;
  strategy?: Strategy;
  validation?: ValidationMode;
  owner?: string;
  state?: RecordState;
}

/** PUT body. `type`/`name` may be repeated (e.g. a record read back) but must equal the path. */
export const putBodySchema = z.strictObject({
  ...writableShape,
  type: z.optional(ident),
  name: z.optional(ident),
  on_conflict: z.optional(onConflict),
});

export const putQuerySchema = z.strictObject({ on_conflict: z.optional(onConflict) });
export const effectiveQuerySchema = z.strictObject({});
export const getQuerySchema = z.strictObject({
  resolve: z.optional(z.enum(['true', 'false'], { error: 'must be "true" or "false"' })),
});

/** One operation of `POST /api/metadata/bulk`. */
export const bulkOperationSchema = z.strictObject({
  op: z.enum(['upsert', 'delete'], { error: 'must be "upsert" or "delete"' }),
  type: ident,
  name: ident,
  ...writableShape,
  on_conflict: z.optional(onConflict),
});
export type BulkOperationInput = z.infer<typeof bulkOperationSchema>;

/** The bulk body without its operations, which are validated one by one. */
export const bulkEnvelopeSchema = z.strictObject({
  operations: z.array(z.unknown(), { error: 'must be an array of operations' }),
  continue_on_error: z.optional(z.boolean({ error: 'must be a boolean' })),
  transactional: z.optional(z.boolean({ error: 'must be a boolean' })),
  on_conflict: z.optional(onConflict),
});

/** One record of `POST /api/metadata/import`: what export writes (server fields are ignored). */
export const importRecordSchema = z.strictObject({
  type: ident,
  name: ident,
  ...writableShape,
  id: z.optional(z.unknown()),
  version: z.optional(z.unknown()),
  created_by: z.optional(z.unknown()),
  created_at: z.optional(z.unknown()),
  updated_by: z.optional(z.unknown()),
  updated_at: z.optional(z.unknown()),
});

export const IMPORT_MODES = ['merge', 'replace', 'skip'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const importEnvelopeSchema = z.strictObject({
  records: z.array(z.unknown(), { error: 'must be an array of records' }),
  mode: z.optional(z.enum(IMPORT_MODES, { error: 'must be "merge", "replace" or "skip"' })),
  continue_on_error: z.optional(z.boolean({ error: 'must be a boolean' })),
  dry_run: z.optional(z.boolean({ error: 'must be a boolean' })),
});

/** The writable fields of a parsed body/operation/record, `extends` normalised to `type/name`. */
export function writeInputOf(parsed: WriteInput, ownType: string): WriteInput {
  const out: WriteInput = {};
  if (parsed.namespace !== undefined) out.namespace = parsed.namespace;
  if (parsed.scope !== undefined) out.scope = parsed.scope;
  if (parsed.metadata !== undefined) out.metadata = parsed.metadata;
  if (parsed.extends !== undefined)
    out.extends = parsed.extends === null ? null : normalizeExtends(parsed.extends, ownType);
  if (parsed.strategy !== undefined) out.strategy = parsed.strategy;
  if (parsed.validation !== undefined) out.validation = parsed.validation;
  if (parsed.owner !== undefined) out.owner = parsed.owner;
  if (parsed.state !== undefined) out.state = parsed.state;
  return out;
}

/**
 * Issues of a body's `metadata` on its own, so that a request with other invalid fields still
 * gets every problem reported at once. Mode: the body's `validation` when valid, else strict.
 * A 413 (oversize metadata) is thrown as is.
 */
export function metadataIssuesOf(body: Record<string, unknown>): FieldIssue[] {
  if (body.metadata === undefined) return [];
  const mode: ValidationMode = body.validation === 'lenient' ? 'lenient' : 'strict';
  try {
    parseMetadata(body.metadata, { mode });
    return [];
  } catch (e) {
    if (!isTemporaError(e) || e.status !== 400) throw e;
    const issues = (e.details as { issues?: FieldIssue[] } | undefined)?.issues;
    return Array.isArray(issues) ? issues : [];
  }
}

/**
 * Split the server-owned fields (id, version, timestamps) out of a body: issues "is read-only"
 * for each, and the rest to validate.
 */
export function withoutServerFields(body: Record<string, unknown>): {
  rest: Record<string, unknown>;
  issues: FieldIssue[];
} {
  const rest: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [k, v] of Object.entries(body)) {
    if ((SERVER_FIELDS as readonly string[]).includes(k))
      issues.push({
        path: k,
        message:
          k === 'version'
            ? 'is read-only (send If-Match: <version> to lock on it)'
            : 'is read-only (set by the server)',
      });
    else rest[k] = v;
  }
  return { rest, issues };
}

/** `{type}` and `{name}` of a record's path (400 naming `path.type` / `path.name`). */
export const recordKeyParamsSchema = z.object({ type: ident, name: ident });

/**
 * The `PUT /api/metadata/{type}/{name}` body, parsed: every problem at once (server-owned fields
 * are "read-only", unknown fields, bad values, and `metadata` checked in the body's validation
 * mode); an oversize `metadata` is a 413. Documented as {@link putBodySchema}.
 */
export const recordPutBodySchema = documentedAs(
  z.pipe(
    z.record(z.string(), z.unknown(), { error: 'request body must be a JSON object' }),
    z.transform((body, ctx) => {
      const { rest, issues: readOnly } = withoutServerFields(body);
      const parsed = putBodySchema.safeParse(rest);
      if (parsed.success && readOnly.length === 0) {
        const metadata = metadataIssuesOf(rest);
        if (metadata.length === 0) return parsed.data;
        for (const i of metadata)
          ctx.issues.push({ code: 'custom', path: [i.path], message: i.message, input: body });
        return z.NEVER;
      }
      for (const i of [
        ...readOnly,
        ...(parsed.success ? [] : toFieldIssues(parsed.error.issues)),
        ...metadataIssuesOf(rest),
      ])
        ctx.issues.push({ code: 'custom', path: i.path ? [i.path] : [], message: i.message, input: body });
      return z.NEVER;
    }),
  ),
  putBodySchema,
);
export type PutBody = z.output<typeof putBodySchema>;

/** Most operations (bulk) or records (import) of one request. */
export const MAX_BULK_OPERATIONS = 1000;
/** Most operations of a transactional bulk request (DynamoDB's TransactWriteItems limit). */
export const MAX_TRANSACTIONAL_OPERATIONS = 100;

const itemsOf = (listName: 'operations' | 'records') =>
  z.array(z.unknown(), { error: `must be an array of ${listName}` }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(MAX_BULK_OPERATIONS, {
      error: (iss) =>
        `at most ${MAX_BULK_OPERATIONS} ${listName} per request; got ${Array.isArray(iss.input) ? iss.input.length : '?'}: split it into several requests`,
    }),
  );

/**
 * `POST /api/metadata/bulk`: the envelope (each operation is validated on its own, so that
 * `continue_on_error` reports a bad one and applies the rest). Documented with its operations.
 */
export const bulkBodySchema = documentedAs(
  z.extend(bulkEnvelopeSchema, { operations: itemsOf('operations') }).check(
    z.superRefine((b, ctx) => {
      if (b.transactional && b.operations.length > MAX_TRANSACTIONAL_OPERATIONS)
        ctx.addIssue({
          code: 'custom',
          path: ['operations'],
          message: `transactional: true allows at most ${MAX_TRANSACTIONAL_OPERATIONS} operations (the ${MAX_TRANSACTIONAL_OPERATIONS}-action limit of DynamoDB transactions); got ${b.operations.length}: split it or send transactional: false`,
        });
      if (b.transactional && b.continue_on_error)
        ctx.addIssue({
          code: 'custom',
          path: ['continue_on_error'],
          message: 'cannot be combined with transactional: true (all or nothing)',
        });
    }),
  ),
  z.extend(bulkEnvelopeSchema, {
    operations: z.array(bulkOperationSchema).check(z.minLength(1), z.maxLength(MAX_BULK_OPERATIONS)),
  }),
);
export type BulkBody = z.output<typeof bulkBodySchema>;

/** `POST /api/metadata/import`: the envelope (each record is validated on its own, as for bulk). */
export const importBodySchema = documentedAs(
  z.extend(importEnvelopeSchema, { records: itemsOf('records') }),
  z.extend(importEnvelopeSchema, {
    records: z.array(importRecordSchema).check(z.minLength(1), z.maxLength(MAX_BULK_OPERATIONS)),
  }),
);
export type ImportBody = z.output<typeof importBodySchema>;

// ---------------------------------------------------------------------------------------
// Responses (the OpenAPI reference and the integration suite's check)
// ---------------------------------------------------------------------------------------

/** A record as the API returns it ({@link MetadataRecord}). */
export const metadataRecordSchema = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string(),
  namespace: z.string(),
  scope: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  extends: z.optional(z.string()),
  strategy: z.enum(STRATEGIES),
  validation: z.enum(VALIDATION_MODES),
  owner: z.string(),
  state: z.enum(STATES),
  version: z.number().check(z.int()),
  created_by: z.string(),
  created_at: z.string(),
  updated_by: z.string(),
  updated_at: z.string(),
});

/** A record with the metadata it inherits through `extends`, and how it was resolved. */
export const effectiveRecordSchema = z.extend(metadataRecordSchema, {
  effective_metadata: z.record(z.string(), z.unknown()),
  resolution: z.object({
    chain: z.array(z.string()),
    warnings: z.array(z.looseObject({})),
  }),
});

/** `GET /api/metadata/{type}/{name}`: the record (`resolve=true`: with its effective metadata). */
export const recordReadSchema = z.union([effectiveRecordSchema, metadataRecordSchema]);

/** `GET /api/metadata`: a page of records (only `type`, `name` and the selected `fields` when asked). */
export const recordPageSchema = z.object({
  items: z.array(z.looseObject({ type: z.string(), name: z.string() })),
  next_cursor: z.nullable(z.string()),
});

/** `GET /api/metadata/export`: what `POST /api/metadata/import` takes back. */
export const recordExportSchema = z.object({
  format: z.literal('tempora.metadata/v1'),
  exported_at: z.string(),
  count: z.number().check(z.int()),
  records: z.array(metadataRecordSchema),
  next_cursor: z.nullable(z.string()),
});

const opResultSchema = z.object({
  index: z.number().check(z.int()),
  type: z.nullable(z.string()),
  name: z.nullable(z.string()),
  status: z.enum(['ok', 'error']),
  outcome: z.optional(z.enum(['created', 'updated', 'replaced', 'skipped', 'deleted', 'not_found'])),
  version: z.optional(z.number().check(z.int())),
  error: z.optional(z.looseObject({ code: z.string(), message: z.string() })),
});
const bulkReportShape = {
  summary: z.record(z.string(), z.number().check(z.int())),
  results: z.array(opResultSchema),
};

/** `POST /api/metadata/bulk`: a result per operation. */
export const bulkReportSchema = z.object({ transactional: z.boolean(), ...bulkReportShape });

/** `POST /api/metadata/import`: a result per record. */
export const importReportSchema = z.object({
  mode: z.enum(IMPORT_MODES),
  dry_run: z.boolean(),
  ...bulkReportShape,
});

export type PutQuery = z.output<typeof putQuerySchema>;
export type GetQuery = z.output<typeof getQuerySchema>;
