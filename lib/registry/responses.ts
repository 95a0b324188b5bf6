/** Response schemas routes declare (the OpenAPI reference and the integration suite's check). */
import * as z from 'zod';

/** An entity as the API shows it: its own fields, metadata and the system fields. */
export const entitySchema = z.looseObject({
  id: z.string(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  owner_id: z.string().optional(),
  state: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** One page of a list. */
export const pageSchema = z.looseObject({
  items: z.array(z.looseObject({})),
  next_cursor: z.string().nullable().optional(),
});

/** `{ items }` without pagination. */
export const itemsSchema = z.looseObject({ items: z.array(z.looseObject({})) });
