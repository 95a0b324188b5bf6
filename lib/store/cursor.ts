import * as z from 'zod';
import { validationError } from '../errors.ts';

const keySchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Opaque pagination cursor: base64url of the DynamoDB LastEvaluatedKey. */
export const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

export function decodeCursor(cursor: string): Record<string, string | number> {
  try {
    return keySchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw validationError([{ path: 'query.cursor', message: 'is not a cursor returned by this API' }]);
  }
}
