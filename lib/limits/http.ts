/**
 * Request size limits the edge checks before anything is parsed. API Gateway's HTTP API takes
 * bodies up to 10 MB and a request line plus header values up to 10,240 bytes (larger requests
 * never reach Lambda); Tempora's own caps are lower and documented:
 *
 * - a JSON body at most {@link MAX_JSON_BODY_BYTES} (256 KB: the metadata cap is 64 KB, entity
 *   rows must stay below DynamoDB's 400 KB item, events below EventBridge's 256 KB entry) → 413;
 * - header values at most {@link MAX_HEADERS_BYTES} in total (API Gateway's own quota, also
 *   enforced here so direct invocations and the emulator behave the same), `if-match` at most
 *   {@link MAX_IF_MATCH_BYTES} → 400 naming `headers.<name>`. `authorization` is the token
 *   check's (lib/auth/verify.ts): a token over 8 KB is a 401, and the header is not counted here;
 * - each path parameter at most {@link MAX_ID_BYTES} (path ids are keys) and each query
 *   parameter at most {@link MAX_QUERY_VALUE_BYTES} (cursors included), well-formed Unicode →
 *   400 naming `path.<name>` / `query.<name>`.
 */
import { type FieldIssue, payloadTooLarge, validationError } from '../errors.ts';
import { isWellFormedUnicode, LONE_SURROGATE_MESSAGE, MAX_ID_BYTES, utf8Bytes } from './dynamodb.ts';

/** Largest JSON request body, bytes. */
export const MAX_JSON_BODY_BYTES = 256 * 1024;
/** API Gateway HTTP API: request line and header values together, bytes. */
export const MAX_HEADERS_BYTES = 10_240;
/** `If-Match` carries an entity version (an integer) or its quoted form. */
export const MAX_IF_MATCH_BYTES = 64;
/** Largest query parameter value (opaque cursors are the longest). */
export const MAX_QUERY_VALUE_BYTES = 2048;

const HEADER_CAPS: Readonly<Record<string, number>> = {
  'if-match': MAX_IF_MATCH_BYTES,
};

/**
 * Throw the contract's 413 (`payload_too_large`, details `{ limit, size }`) when a body of
 * `size` bytes is over `limit` (default {@link MAX_JSON_BODY_BYTES}).
 */
export function checkBodySize(size: number, limit: number = MAX_JSON_BODY_BYTES): void {
  if (size > limit)
    throw payloadTooLarge(`Request body is ${size} bytes; the limit is ${limit}`, { limit, size });
}

/** Issues of the request headers (names compared lower-case), each at `headers.<name>`. */
export function headerIssues(headers: Readonly<Record<string, string | undefined>>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  let total = 0;
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    // The bearer token's size is the token check's: over 8 KB it is a 401, before any parsing.
    if (value === undefined || name === 'authorization') continue;
    const size = utf8Bytes(value);
    total += size;
    const cap = HEADER_CAPS[name];
    if (cap !== undefined && size > cap)
      issues.push({ path: `headers.${name}`, message: `must be at most ${cap} bytes` });
  }
  if (total > MAX_HEADERS_BYTES)
    issues.push({ path: 'headers', message: `header values must total at most ${MAX_HEADERS_BYTES} bytes` });
  return issues;
}

/**
 * Issues of string parameters (path or query) under `prefix`: each value well-formed and at most
 * `maxBytes` of UTF-8.
 */
export function parameterIssues(
  params: Readonly<Record<string, string | undefined>> | null | undefined,
  prefix: 'path' | 'query',
  maxBytes: number = prefix === 'path' ? MAX_ID_BYTES : MAX_QUERY_VALUE_BYTES,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    const path = `${prefix}.${name}`;
    if (!isWellFormedUnicode(value) || !isWellFormedUnicode(name))
      issues.push({ path, message: LONE_SURROGATE_MESSAGE });
    else if (utf8Bytes(value) > maxBytes) issues.push({ path, message: `must be at most ${maxBytes} bytes` });
  }
  return issues;
}

/** The parts of an HTTP API (payload v2) event the size checks read. */
export interface RequestParts {
  headers?: Readonly<Record<string, string | undefined>> | null;
  pathParameters?: Readonly<Record<string, string | undefined>> | null;
  queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
}

/**
 * Every header, path and query limit of a request at once: throws the contract's 400
 * (`validation_failed`, each field by path) when one is broken. The body is checked apart
 * ({@link checkBodySize}, then `checkJsonLimits` once parsed).
 */
export function assertRequestLimits(req: RequestParts): void {
  const issues = [
    ...headerIssues(req.headers ?? {}),
    ...parameterIssues(req.pathParameters, 'path'),
    ...parameterIssues(req.queryStringParameters, 'query'),
  ];
  if (issues.length) throw validationError(issues);
}
