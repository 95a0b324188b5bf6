/**
 * The request schemas common to many routes (ids, a collection's list query, event types, the
 * policy matrix's rows, the error shape): they live here, in base, so the contracts and the
 * registry can name them and every layer above (the kit validating, the store, the services)
 * imports the one definition. A schema one service owns lives in that service's contract.
 */
import * as z from 'zod/mini';
import { ISO_DURATION_RE } from '../entity-metadata/constants.ts';
import { indexKeyString } from '../limits/index.ts';
import { ROLES } from './types.ts';

const documentation = new WeakMap<z.ZodMiniType, z.ZodMiniType>();

/**
 * Document `schema` in the OpenAPI as `doc` (for a schema that dispatches between others, which
 * JSON Schema cannot express as parameters): the kit still parses with `schema`.
 */
export function documentedAs<S extends z.ZodMiniType>(schema: S, doc: z.ZodMiniType): S {
  documentation.set(schema, doc);
  return schema;
}

/** What the OpenAPI shows of a request schema ({@link documentedAs}, or the schema itself). */
export const documentationOf = (schema: z.ZodMiniType): z.ZodMiniType => documentation.get(schema) ?? schema;

/** Largest page a list answers. */
export const MAX_PAGE_SIZE = 100;

/** An entity id in a path. */
export const entityIdSchema = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(128, 'is at most 128 characters'));
export const idParamsSchema = z.object({ id: entityIdSchema });

/** The query string of `GET /api/<collection>`. */
export const listQuerySchema = z.object({
  state: z.optional(z.string().check(z.regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word'))),
  // Both become part of the `_metadata_index` partition key: bytes capped, well-formed.
  tag: z.optional(indexKeyString().check(z.minLength(1))),
  feature: z.optional(indexKeyString().check(z.minLength(1))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_SIZE))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  broadcasting: z.optional(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  ),
});

/** A dotted lower-case event type (`campaign.created`). */
export const eventTypeSchema = z
  .string()
  .check(
    z.maxLength(128, 'is at most 128 characters (EventBridge detail-type)'),
    z.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be a dotted lower-case event type'),
  );

/** ISO 8601 duration (date and time parts, e.g. P90D, P1Y, PT12H) or `forever`. */
export const retentionSchema = z.union([
  z.literal('forever'),
  z.string().check(z.regex(ISO_DURATION_RE, 'must be an ISO 8601 duration such as P90D, or "forever"')),
]);

/** A row of the policy matrix (`PUT /api/policies/{role}/{environment}/{category}`). */
export const policySchema = z.strictObject({
  retention: retentionSchema,
  access: z.enum(['full', 'internal', 'self+admin']),
  validation: z.enum(['strict', 'lenient']),
  exposure: z.enum(['internal', 'none', 'summary', 'full']),
});

export const policyEnvironmentSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case environment name'));

export const policyKeySchema = z.object({
  role: z.enum(ROLES),
  environment: policyEnvironmentSchema,
  category: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case category name')),
});

export const policyListQuerySchema = z.object({ environment: z.optional(policyEnvironmentSchema) });

export * from './schemas-health.ts';

/** The contract's error shape, every 4xx/5xx. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.unknown()),
  }),
});
