/**
 * Canonical JSON and content-derived idempotency keys.
 *
 * Object keys are sorted by UTF-16 code units at every level (as in RFC 8785), arrays keep
 * their order, and values serialize exactly as `JSON.stringify` would (`toJSON` honoured,
 * `undefined`/functions/symbols dropped from objects and `null` in arrays, non-finite
 * numbers as `null`). Documents that are equal up to key order give the same text.
 */
import { createHash } from 'node:crypto';

/**
 * Serialize `value` as canonical JSON: sorted keys, no whitespace.
 * A value `JSON.stringify` cannot represent at top level (`undefined`, a function) gives `null`.
 *
 * @throws TypeError on cycles or BigInt, like `JSON.stringify`.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '', []) ?? 'null';
}

/** SHA-256 (hex) of {@link canonicalJson}: equal documents give equal keys whatever their key order. */
export function idempotencyKey(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function hasToJson(value: object): value is { toJSON: (key: string) => unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** JSON string literal; the native encoder only for strings that need escaping. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    // quote, backslash, control characters and surrogates (lone ones get \u escapes)
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

function write(input: unknown, key: string, ancestors: object[]): string | undefined {
  const value = input !== null && typeof input === 'object' && hasToJson(input) ? input.toJSON(key) : input;
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (ancestors.includes(value)) throw new TypeError('Converting circular structure to JSON');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i += 1) {
      out += `${i === 0 ? '' : ','}${write(value[i], String(i), ancestors) ?? 'null'}`;
    }
    out += ']';
  } else {
    const record = value as Record<string, unknown>;
    out = '{';
    for (const k of Object.keys(record).sort()) {
      const v = write(record[k], k, ancestors);
      if (v !== undefined) out += `${out.length === 1 ? '' : ','}${quote(k)}:${v}`;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}
