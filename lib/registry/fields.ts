/**
 * What a service declaration is written with (lib/registry/services.ts and each domain
 * service's contract): role access per CRUD operation and the field shapes every entity uses.
 */
import * as z from 'zod/mini';
import type { CrudOperation, Role } from './types.ts';

/** Role access per CRUD operation: reads by `read`, writes by `write` (policy access applies on top). */
export const access = (
  read: readonly Role[],
  write: readonly Role[],
  create = write,
): Record<CrudOperation, readonly Role[]> => ({
  create,
  read,
  list: read,
  update: write,
  delete: write,
});

/** A trimmed, non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** Another entity's id in a field. */
export const idField = z.string().check(z.minLength(1), z.maxLength(128));

/** Entity `state`: free-form lower-case word (active, inactive, archived, …). */
export const stateSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word (a-z, _), at most 32 chars'));

/** The optional `state` field of every entity. */
export const stateField = z.optional(stateSchema);
