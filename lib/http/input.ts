/**
 * Parsing of the HTTP inputs the entity routes share (edge): the `If-Match` header and the
 * list query string. The store takes their parsed values, never raw HTTP.
 */
import * as z from 'zod';
import { validationError } from '../errors.ts';
import { MAX_PAGE_SIZE } from '../store/model.ts';

/** Parse `If-Match` (a version number, optionally quoted as an ETag). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '' || header === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,12})"?$/.exec(header.trim());
  if (!m?.[1]) throw validationError([{ path: 'headers.if-match', message: 'must be a version number' }]);
  return Number(m[1]);
}

/** The query string of `GET /api/<collection>` (a {@link ListQuery} once parsed). */
export const listQuerySchema = z.object({
  state: z
    .string()
    .regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word')
    .optional(),
  tag: z.string().min(1).max(128).optional(),
  feature: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().min(1).max(2048).optional(),
  broadcasting: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
