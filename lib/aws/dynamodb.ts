/**
 * DynamoDB primitives shared by every room (base layer): what a failed condition looks
 * like, how to read every page of a query, and the opaque pagination cursor clients see.
 * One copy each, so "conflict" means the same thing everywhere.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { TemporaError, validationError } from '../errors.ts';
import { BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, type RetryOptions, sendInChunks } from './batch.ts';
import { errorName } from './errors.ts';

type Key = Record<string, unknown>;

/**
 * Codes of a cancelled transaction's items, in item order ('None' for items that passed);
 * an empty list for any other error.
 */
export function cancellationCodes(e: unknown): string[] {
  if (errorName(e) !== 'TransactionCanceledException') return [];
  const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code ?? 'None');
}

/**
 * True when a write was refused because its condition did not hold: a
 * `ConditionalCheckFailedException`, or a cancelled transaction one of whose items failed
 * its condition. Throttling, validation errors, capacity and other cancellation reasons are
 * NOT condition failures (they are faults, or contention: see {@link isTransactionConflict}).
 */
export function isConditionFailure(e: unknown): boolean {
  if (errorName(e) === 'ConditionalCheckFailedException') return true;
  return cancellationCodes(e).includes('ConditionalCheckFailed');
}

/**
 * Await a conditional write: true when it was applied, false when its condition did not hold
 * ({@link isConditionFailure}); any other error (throttling, a fault) is thrown.
 */
export async function applied(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * True when a write lost to a transaction in flight on the same item (a cancelled
 * transaction with reason `TransactionConflict`, or a single write's
 * `TransactionConflictException`): contention worth a retry, not a verdict.
 */
export function isTransactionConflict(e: unknown): boolean {
  if (errorName(e) === 'TransactionConflictException') return true;
  return cancellationCodes(e).includes('TransactionConflict');
}

/** DynamoDB's limit on the operands of one `IN`. */
export const IN_LIMIT = 100;

/**
 * `<attr> IN (:p0, :p1, …)` over `list` (`<attr> = :p0` for one value) for a filter or a
 * condition; each value is added to `values` as `:<prefix><i>`. Takes 1 to {@link IN_LIMIT}
 * values.
 */
export function inList(
  attr: string,
  list: readonly unknown[],
  prefix: string,
  values: Record<string, unknown>,
): string {
  if (list.length === 0 || list.length > IN_LIMIT) {
    throw new RangeError(`IN takes 1 to ${IN_LIMIT} values, not ${list.length}`);
  }
  const refs = list.map((v, i) => {
    values[`:${prefix}${i}`] = v;
    return `:${prefix}${i}`;
  });
  return refs.length === 1 ? `${attr} = ${refs[0]}` : `${attr} IN (${refs.join(', ')})`;
}

/**
 * Every page of a query, one after the other (`ExclusiveStartKey` is managed here; stop
 * iterating to stop reading).
 */
export async function* queryPages<T = Key>(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<{ items: T[]; scanned: number; lastKey: Key | undefined }> {
  let start: Key | undefined = input.ExclusiveStartKey;
  do {
    const out = await ddb.send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    start = out.LastEvaluatedKey;
    yield { items: (out.Items ?? []) as T[], scanned: out.ScannedCount ?? 0, lastKey: start };
  } while (start);
}

/** Every item a query matches, all pages read. */
export async function queryAll<T = Key>(ddb: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of queryPages<T>(ddb, input)) items.push(...page.items);
  return items;
}

/**
 * Every item of `keys` that exists, in no particular order: BatchGetItem, 100 keys a call,
 * unprocessed keys (throttling) sent again with backoff ({@link sendInChunks}); a 503
 * `throttled` when some stay unprocessed (the client may retry). `read` adds the request's
 * own settings (`ConsistentRead`, a projection).
 */
export async function batchGetAll<T = Key>(
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  read: Omit<NonNullable<BatchGetCommandInput['RequestItems']>[string], 'Keys'> = {},
  retry: RetryOptions = {},
): Promise<T[]> {
  const items: T[] = [];
  const left = await sendInChunks(
    keys,
    BATCH_GET_LIMIT,
    async (c) => {
      const out = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { ...read, Keys: c } } }));
      items.push(...((out.Responses?.[table] ?? []) as T[]));
      return out.UnprocessedKeys?.[table]?.Keys ?? [];
    },
    retry,
  );
  if (left.length > 0)
    throw new TemporaError(
      503,
      'throttled',
      `The table ${table} is throttling reads (${left.length} keys unprocessed after retries); retry later`,
    );
  return items;
}

/** One request of a BatchWriteItem: a `PutRequest` or a `DeleteRequest`. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Every request of `requests` sent: BatchWriteItem, 25 requests a call, unprocessed ones
 * (throttling) sent again with backoff ({@link sendInChunks}). Resolves to what stays
 * unprocessed after the retries (empty on success): the caller decides what that means.
 */
export async function batchWriteAll(
  ddb: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  retry: RetryOptions = {},
): Promise<WriteRequest[]> {
  return sendInChunks(
    requests,
    BATCH_WRITE_LIMIT,
    async (c) => {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: c } }));
      return (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    },
    retry,
  );
}

/**
 * Opaque pagination cursors, signed. A cursor is `<payload>.<mac>`: the payload is base64url
 * JSON of the position (a DynamoDB `LastEvaluatedKey`, or a records position), the MAC is
 * HMAC-SHA256 over the cursor's *scope* and the payload, truncated to 128 bits.
 *
 * - The key is per stack: HKDF-SHA256 of the JWT signing secret (the Secrets Manager secret
 *   every HTTP function already reads), installed by the kit's auth middleware
 *   ({@link setCursorSecret}) before any protected route runs. Every list route is protected,
 *   so every cursor a client sees is signed with the stack's key; rotating the JWT secret
 *   invalidates outstanding cursors (400, start again), as it does tokens.
 * - The scope names the query the cursor belongs to (table, index, partition value, range), so a
 *   cursor from one list replayed on another (another state, tag, pattern or date range) is
 *   refused instead of reaching DynamoDB as a starting key outside the query (a 500 before).
 * - Forged, truncated, altered or foreign cursors fail the MAC: 400 naming `query.cursor`.
 */
const CURSOR_MAC_BYTES = 16;
const CURSOR_INFO = 'tempora/pagination-cursor/v1';
const cursorKeyOf = (secret: string): Buffer => Buffer.from(hkdfSync('sha256', secret, '', CURSOR_INFO, 32));
/**
 * Derived on first use, not at import. Until a secret is installed (unit tests, direct
 * invocations; never a Lambda's HTTP path), the key of a fixed unkeyed secret.
 */
let cursorKey: Buffer | undefined;
let cursorSecret: string | undefined;

/** Install the stack's secret (idempotent; the key is re-derived only when the secret changes). */
export function setCursorSecret(secret: string): void {
  if (secret === cursorSecret) return;
  cursorKey = cursorKeyOf(secret);
  cursorSecret = secret;
}

function macOf(scope: string, payload: string): Buffer {
  cursorKey ??= cursorKeyOf('tempora-unkeyed');
  return createHmac('sha256', cursorKey)
    .update(scope)
    .update('\n')
    .update(payload)
    .digest()
    .subarray(0, CURSOR_MAC_BYTES);
}

const cursorSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Opaque pagination cursor for `key` (a LastEvaluatedKey or a position) within `scope`. */
export function encodeCursor(key: Key, scope: string): string {
  const payload = Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
  return `${payload}.${macOf(scope, payload).toString('base64url')}`;
}

/**
 * The position a cursor carries, if it is one this stack issued for `scope`; anything else
 * (forged, altered, from another query, from before a key change) is a 400 naming `query.cursor`.
 */
export function decodeCursor(cursor: string, scope: string): Record<string, string | number> {
  const bad = () =>
    validationError([
      {
        path: 'query.cursor',
        message: 'is not a cursor this API returned for this query (start again without a cursor)',
      },
    ]);
  const dot = cursor.indexOf('.');
  if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw bad();
  const payload = cursor.slice(0, dot);
  const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = macOf(scope, payload);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw bad();
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw bad();
  }
}
