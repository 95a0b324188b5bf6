/**
 * The canonical metadata document (`common.Metadata`) and its validation.
 *
 * Two modes, chosen per request by the policy matrix:
 * - `strict`: unknown top-level fields are rejected, known `service_specific` namespaces
 *   are type-checked, unknown namespaces must be objects.
 * - `lenient`: unknown fields are kept at every level, namespaces are only required to be
 *   objects; the canonical top-level fields are still type-checked.
 *
 * In both modes the stores' limits hold everywhere in the document (lib/limits): at most
 * {@link MAX_METADATA_DEPTH} levels, numbers DynamoDB stores exactly, no lone surrogates in
 * keys or values, and each tag and feature at most 128 bytes of UTF-8 (`MAX_INDEXED_VALUE_BYTES`)
 * (each becomes part of an index key).
 *
 * Schemas are built once at module load; the strict one is rebuilt only after a new
 * namespace is registered.
 */
import * as z from 'zod/mini';
import { type FieldIssue, payloadTooLarge, toFieldIssues, validationError } from '../errors.ts';
import { checkJsonLimits, indexKeyString, MAX_METADATA_DEPTH } from '../limits/index.ts';
import { MAX_FREQUENCY_HZ } from './constants.ts';
import { knownNamespaces, namespacesRevision } from './namespaces.ts';

export { DEFAULT_FREQUENCY_HZ, MAX_FREQUENCY_HZ } from './constants.ts';

/** Largest accepted serialized size (UTF-8 bytes of the JSON text); 413 beyond. */
export const MAX_METADATA_BYTES = 65536;

export type ValidationMode = 'strict' | 'lenient';

export interface ParseMetadataOptions {
  /** Default `strict`. */
  mode?: ValidationMode;
  /** Prefix of every issue path; default `metadata`. */
  pathPrefix?: string;
  /**
   * Size cap checked first (default {@link MAX_METADATA_BYTES}). The entity store validates a
   * merged document with `Infinity` and checks the size of what it stores itself (lib/store/fit.ts).
   */
  maxBytes?: number;
}

const rfc3339 = z.iso.datetime({
  offset: true,
  error: 'must be an RFC 3339 date-time with a time zone, e.g. 2025-06-01T00:00:00Z',
});

const schedulingSchema = z
  .looseObject({
    frequency: z.optional(
      z
        .number()
        .check(
          z.gt(0, { error: 'must be greater than 0 Hz' }),
          z.lte(MAX_FREQUENCY_HZ, { error: `must be at most ${MAX_FREQUENCY_HZ} Hz` }),
        ),
    ),
    start_time: z.optional(rfc3339),
    end_time: z.optional(rfc3339),
    cron: z.optional(z.string()),
    timezone: z.optional(z.string()),
    intents: z.optional(z.array(z.looseObject({}))),
  })
  .check(
    z.refine((s) => !endsBeforeStart(s.start_time, s.end_time), {
      path: ['end_time'],
      error: 'must be after scheduling.start_time',
    }),
  );

/** True only when both times are valid RFC 3339 and end <= start (bad formats are reported apart). */
function endsBeforeStart(start: unknown, end: unknown): boolean {
  const s = rfc3339.safeParse(start);
  const e = rfc3339.safeParse(end);
  return s.success && e.success && Date.parse(e.data) <= Date.parse(s.data);
}

const auditEntrySchema = z.looseObject({ at: rfc3339, actor: z.string(), action: z.string() });

const auditSchema = z.looseObject({
  created_by: z.optional(z.string()),
  last_modified_by: z.optional(z.string()),
  history: z.optional(
    z.array(
      z.union([rfc3339, auditEntrySchema], {
        error: 'must be an RFC 3339 date-time or an entry { at, actor, action }',
      }),
    ),
  ),
});

const knowledgeGraphSchema = z.looseObject({
  pattern: z.optional(z.string()),
  dependencies: z.optional(z.array(z.string())),
});

/** Any namespace object: what lenient mode and unknown namespaces require. */
const anyNamespace = z.record(z.string(), z.unknown(), { error: 'must be an object' });

const canonicalFields = {
  scheduling: z.optional(schedulingSchema),
  features: z.optional(z.array(indexKeyString())),
  custom_rules: z.optional(z.record(z.string(), z.unknown())),
  audit: z.optional(auditSchema),
  tags: z.optional(z.array(indexKeyString())),
  knowledge_graph: z.optional(knowledgeGraphSchema),
};

const lenientServiceSpecific = z.record(z.string(), anyNamespace);

/** Shape of the canonical document; {@link Metadata} is inferred from it. */
const metadataSchema = z.object({
  ...canonicalFields,
  service_specific: z.optional(lenientServiceSpecific),
});

/** The canonical metadata document. All top-level fields are optional. */
export type Metadata = z.infer<typeof metadataSchema>;

/** Canonical top-level field names (what strict mode accepts). */
export const CANONICAL_FIELDS: readonly string[] = Object.keys(metadataSchema.shape);

const lenientSchema = z.looseObject({
  ...canonicalFields,
  service_specific: z.optional(lenientServiceSpecific),
});

function buildStrictSchema(): z.ZodMiniType {
  const namespaces: Record<string, z.ZodMiniType> = {};
  for (const [name, schema] of Object.entries(knownNamespaces)) namespaces[name] = z.optional(schema);
  return z.strictObject({
    ...canonicalFields,
    service_specific: z.optional(z.catchall(z.object(namespaces), anyNamespace)),
  });
}

let strictCache = { revision: namespacesRevision(), schema: buildStrictSchema() };

/** The strict schema, rebuilt only when {@link registerNamespace} has added a namespace. */
function strictSchema(): z.ZodMiniType {
  const revision = namespacesRevision();
  if (strictCache.revision !== revision) strictCache = { revision, schema: buildStrictSchema() };
  return strictCache.schema;
}

/**
 * The zod schema `parseMetadata` applies in a mode (for documentation: docs/schemas are
 * generated from it). The stores' limits are checked apart, by `checkJsonLimits`.
 */
export const metadataSchemaFor = (mode: ValidationMode): z.ZodMiniType =>
  mode === 'lenient' ? lenientSchema : strictSchema();

/**
 * Serialized size of a metadata value: UTF-8 bytes of its `JSON.stringify` text
 * (0 for `undefined`).
 *
 * @throws TypeError when the value cannot be serialized (cycle, BigInt).
 */
export function metadataSize(m: unknown): number {
  const json = JSON.stringify(m);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/**
 * Validate a metadata document and return the parsed document.
 *
 * `undefined` yields `{}`. The size cap is checked before the schema. The result is a new
 * object tree, except that free-form values (e.g. `custom_rules` entries, `intents`) may be
 * shared with the input (`mergeMetadata` returns fully independent copies).
 *
 * @throws TemporaError 413 `payload_too_large` (details `{ limit, size }`) beyond
 *   {@link MAX_METADATA_BYTES}; 400 `validation_failed` naming every invalid field by its
 *   dotted path under `pathPrefix` (e.g. `metadata.scheduling.frequency`, `metadata.tags[1]`),
 *   schema and store-limit issues together (one issue per path).
 */
export function parseMetadata(input: unknown, opts: ParseMetadataOptions = {}): Metadata {
  const prefix = opts.pathPrefix ?? 'metadata';
  if (input === undefined) return {};

  let size: number;
  try {
    size = metadataSize(input);
  } catch {
    throw validationError([{ path: prefix, message: 'must be serializable as JSON' }]);
  }
  const limit = opts.maxBytes ?? MAX_METADATA_BYTES;
  if (size > limit) {
    const message = `${prefix || 'metadata'} is ${size} bytes; the limit is ${limit} bytes`;
    throw payloadTooLarge(message, { limit, size });
  }

  const limitIssues = checkJsonLimits(input, { maxDepth: MAX_METADATA_DEPTH, prefix });
  const schema = opts.mode === 'lenient' ? lenientSchema : strictSchema();
  const result = schema.safeParse(input);
  if (!result.success || limitIssues.length) {
    // One issue per path: a limit (e.g. a lone surrogate) first, the schema's view of it dropped.
    const named = new Set(limitIssues.map((i) => i.path));
    const schemaIssues = result.success ? [] : toIssues(result.error.issues, prefix);
    throw validationError([...limitIssues, ...schemaIssues.filter((i) => !named.has(i.path))]);
  }
  // The schema's output is the canonical shape (plus, in lenient mode, extra keys).
  return result.data as Metadata;
}

/** Zod issues → dotted FieldIssues; an unrecognized-keys issue becomes one issue per key. */
function toIssues(issues: readonly z.core.$ZodIssue[], prefix: string): FieldIssue[] {
  const flat = issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [...issue.path, key],
          message:
            issue.path.length === 0
              ? `is not a canonical metadata field (allowed: ${CANONICAL_FIELDS.join(', ')})`
              : 'is not an allowed field',
        }))
      : [issue],
  );
  return toFieldIssues(flat, prefix);
}
