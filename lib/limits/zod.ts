/**
 * zod building blocks that carry the stores' limits, so every schema (registry routes, metadata,
 * events) states them the same way and every violation is a 400 naming the field.
 */
import * as z from 'zod/mini';
import {
  isStorableNumber,
  isWellFormedUnicode,
  LONE_SURROGATE_MESSAGE,
  MAX_ID_BYTES,
  MAX_INDEXED_VALUE_BYTES,
  numberProblem,
  utf8Bytes,
} from './dynamodb.ts';
import { type JsonLimits, jsonLimitIssues } from './json.ts';

/** A string without lone surrogates (optionally at most `maxBytes` of UTF-8). */
export function wellFormedString(maxBytes?: number): z.ZodMiniString {
  return z.string().check((ctx) => {
    const v = ctx.value;
    if (!isWellFormedUnicode(v))
      ctx.issues.push({ code: 'custom', message: LONE_SURROGATE_MESSAGE, input: v });
    else if (maxBytes !== undefined && utf8Bytes(v) > maxBytes)
      ctx.issues.push({ code: 'custom', message: `must be at most ${maxBytes} bytes (UTF-8)`, input: v });
  });
}

/**
 * A string that becomes (part of) a DynamoDB key: well-formed, at most `maxBytes` of UTF-8
 * (default {@link MAX_INDEXED_VALUE_BYTES}), so the key built from it stays within DynamoDB's
 * 2,048-byte partition / 1,024-byte sort key limits.
 */
export function indexKeyString(maxBytes: number = MAX_INDEXED_VALUE_BYTES): z.ZodMiniString {
  return z.string().check((ctx) => {
    const v = ctx.value;
    if (!isWellFormedUnicode(v))
      ctx.issues.push({ code: 'custom', message: LONE_SURROGATE_MESSAGE, input: v });
    else if (utf8Bytes(v) > maxBytes)
      ctx.issues.push({
        code: 'custom',
        message: `must be at most ${maxBytes} bytes (UTF-8); it is part of an index key`,
        input: v,
      });
  });
}

/** An identifier that is a key (entity id, owner id): 1 to {@link MAX_ID_BYTES} bytes. */
export const idString = (): z.ZodMiniString =>
  indexKeyString(MAX_ID_BYTES).check(z.minLength(1, { error: 'must not be empty' }));

/** A number DynamoDB stores exactly: finite, 0 or 1e-130 … 2^53 − 1 in magnitude. */
export function boundedNumber(): z.ZodMiniNumber {
  return z.number().check((ctx) => {
    const problem = numberProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}

/** Any JSON value within the stores' limits (depth, numbers, Unicode, string size). */
export function jsonValue(limits: JsonLimits = {}): z.ZodMiniUnknown {
  return z.unknown().check((ctx) => {
    for (const issue of jsonLimitIssues(ctx.value, limits))
      ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: ctx.value });
  });
}

/** A JSON object (string keys) within the stores' limits: the free-form part of a body. */
export function jsonObject(limits: JsonLimits = {}): z.ZodMiniRecord<z.ZodMiniString, z.ZodMiniUnknown> {
  return z.record(z.string(), z.unknown()).check((ctx) => {
    for (const issue of jsonLimitIssues(ctx.value, limits))
      ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: ctx.value });
  });
}

export { isStorableNumber };
