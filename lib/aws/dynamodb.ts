/**
 * DynamoDB primitives shared by every room (base layer): what a failed condition looks
 * like, how to read every page of a query, and the opaque pagination cursor clients see.
 * One copy each, so "conflict" means the same thing everywhere.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { validationError } from '../errors.ts';

type Key = Record<string, unknown>;

const errorName = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string'
    ? (e as { name: string }).name
    : '';

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
 * True when a write lost to a transaction in flight on the same item (a cancelled
 * transaction with reason `TransactionConflict`, or a single write's
 * `TransactionConflictException`): contention worth a retry, not a verdict.
 */
export function isTransactionConflict(e: unknown): boolean {
  if (errorName(e) === 'TransactionConflictException') return true;
  return cancellationCodes(e).includes('TransactionConflict');
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

const cursorSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Opaque pagination cursor: base64url of the DynamoDB LastEvaluatedKey. */
export const encodeCursor = (key: Key): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/**
 * The LastEvaluatedKey a cursor carries; a cursor that is not one of ours (not base64url
 * JSON of a flat key of strings and numbers) is a 400 naming `query.cursor`.
 */
export function decodeCursor(cursor: string): Record<string, string | number> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw validationError([{ path: 'query.cursor', message: 'is not a cursor returned by this API' }]);
  }
}
