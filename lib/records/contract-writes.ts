/**
 * The records service's contract, part 2: the request shapes of its writes (PUT body, bulk
 * operations, import records) and their reports. SDK-free (see contract.ts).
 */
import * as z from 'zod/mini';
import { parseMetadata, type ValidationMode } from '../entity-metadata/index.ts';
import { type FieldIssue, isTemporaError, toFieldIssues } from '../errors.ts';
import { documentedAs } from '../registry/schemas.ts';
import {
  EXTENDS_RE,
  ident,
  MAX_OWNER_LENGTH,
  normalizeExtends,
  ON_CONFLICT,
  type RecordState,
  SERVER_FIELDS,
  STATES,
  STRATEGIES,
  type Strategy,
  VALIDATION_MODES,
} from './contract-record.ts';

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
