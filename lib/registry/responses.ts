/**
 * Response schemas routes declare (the OpenAPI reference and the integration suite's check).
 * Each matches what the handler really returns: exact where a client relies on it (ids, status
 * enums, counts), `looseObject` where the payload is open (entity fields, event payloads).
 */
import * as z from 'zod/mini';

/** An entity as the API shows it: its own fields, metadata and the system fields. */
export const entitySchema = z.looseObject({
  id: z.string(),
  version: z.number().check(z.int()),
  created_at: z.string(),
  updated_at: z.string(),
  owner_id: z.optional(z.string()),
  state: z.optional(z.string()),
  metadata: z.optional(z.record(z.string(), z.unknown())),
});

/** One page of a list (`next_cursor`: null on the last page). */
export const pageOf = (item: z.ZodMiniType) =>
  z.looseObject({ items: z.array(item), next_cursor: z.optional(z.nullable(z.string())) });

/** One page of a list of open objects. */
export const pageSchema = pageOf(z.looseObject({}));

/** `{ items }` without pagination. */
export const itemsSchema = z.looseObject({ items: z.array(z.looseObject({})) });

/** `GET /api/openapi.json`: an OpenAPI 3.1 document. */
export const openApiSchema = z.looseObject({
  openapi: z.string().check(z.startsWith('3.1')),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
});
