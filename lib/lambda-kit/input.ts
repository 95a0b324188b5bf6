/**
 * Parsing what a client sends besides the body: the query string, path parameters and the
 * `If-Match` header. A client mistake is a 400 naming the field (`query.<name>`,
 * `path.<name>`, `headers.<name>`), never a 5xx. The store takes parsed values, never raw HTTP.
 */
import type * as z from 'zod/mini';
import { toFieldIssues, validationError } from '../errors.ts';

/** Parse a query string with a zod schema; issues are reported under `query.`. */
export function parseQuery<S extends z.ZodMiniType>(
  schema: S,
  query: Record<string, string | undefined>,
): z.output<S> {
  const r = schema.safeParse(query);
  if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'query'));
  return r.data;
}

/** A required path parameter of at most `maxBytes` UTF-8 bytes (trimmed). */
export function pathParam(
  params: Record<string, string | undefined>,
  name: string,
  maxBytes: number,
): string {
  const v = (params[name] ?? '').trim();
  if (v === '' || Buffer.byteLength(v, 'utf8') > maxBytes)
    throw validationError([{ path: `path.${name}`, message: `is required (at most ${maxBytes} bytes)` }]);
  return v;
}

/** Parse `If-Match` (a version number, optionally quoted as an ETag). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '' || header === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,12})"?$/.exec(header.trim());
  if (!m?.[1]) throw validationError([{ path: 'headers.if-match', message: 'must be a version number' }]);
  return Number(m[1]);
}

/** The query string of `GET /api/<collection>` (a {@link ListQuery} once parsed): declared in the registry. */
import type { listQuerySchema } from '../registry/schemas.ts';

export { listQuerySchema } from '../registry/schemas.ts';
export type ListQuery = z.output<typeof listQuerySchema>;
