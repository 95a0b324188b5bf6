/**
 * The records service's contract, part 1: a record (its key, fields, states, defaults, how it
 * is named) and the shapes of the reads (path, query, responses). SDK-free: the registry,
 * infra, the console, bench and tests import it; the kit enforces the schemas.
 *
 * A record is unique per (type, name). `metadata` is validated separately with
 * `parseMetadata`, in the mode named by the record's `validation` field, because an update
 * merges it into the stored document first.
 */
import * as z from 'zod/mini';
import type { Metadata, ValidationMode } from '../entity-metadata/index.ts';

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

/** An identifier (type, name, namespace, scope): 400 naming the field otherwise. */
export const ident = z
  .string({ error: 'must be a string' })
  .check(z.regex(IDENT_RE, { error: IDENT_MESSAGE }));

/** `{type}` and `{name}` of a record's path (400 naming `path.type` / `path.name`). */
export const recordKeyParamsSchema = z.object({ type: ident, name: ident });

export const effectiveQuerySchema = z.strictObject({});
export const getQuerySchema = z.strictObject({
  resolve: z.optional(z.enum(['true', 'false'], { error: 'must be "true" or "false"' })),
});
export type GetQuery = z.output<typeof getQuerySchema>;

/** The format id of an export (the original public contract's name, kept for clients). */
export const EXPORT_FORMAT = 'tempora.metadata/v1';

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
  format: z.literal(EXPORT_FORMAT),
  exported_at: z.string(),
  count: z.number().check(z.int()),
  records: z.array(metadataRecordSchema),
  next_cursor: z.nullable(z.string()),
});
