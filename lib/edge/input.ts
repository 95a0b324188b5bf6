/**
 * Parsing what a client sends besides the body: the query string and path parameters.
 * A client mistake is a 400 naming the field (`query.<name>`, `path.<name>`), never a 5xx.
 */
import type * as z from 'zod';
import { toFieldIssues, validationError } from '../errors.ts';

/** Parse a query string with a zod schema; issues are reported under `query.`. */
export function parseQuery<S extends z.ZodType>(
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
