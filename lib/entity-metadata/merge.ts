/**
 * Metadata updates: deep merge of plain objects where the update wins and arrays are
 * replaced (the contract's merge rule), plus the audit trail helper.
 *
 * Results never share mutable structure with the inputs, and the keys `__proto__`,
 * `constructor` and `prototype` are dropped at every level (prototype pollution guard).
 */
import type { Metadata } from './schema.ts';

/** Most recent audit history entries kept by {@link appendAudit}. */
export const MAX_AUDIT_HISTORY = 50;

type PlainObject = Record<string, unknown>;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep copy of arrays and plain objects; other values (primitives, Dates, …) are returned as is. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (!isPlainObject(value)) return value;
  const out: PlainObject = {};
  for (const key of Object.keys(value)) {
    if (!FORBIDDEN_KEYS.has(key)) out[key] = copy(value[key]);
  }
  return out;
}

/**
 * Deep-merge `update` into `base` without mutating either.
 *
 * - plain objects merge key by key, recursively;
 * - anything else in `update` (scalar, `null`, array) replaces the base value;
 * - `undefined` in `update` (at any level) leaves the base value untouched;
 * - `__proto__`, `constructor` and `prototype` keys are dropped.
 *
 * The result is a fresh deep copy: mutating it never reaches the inputs.
 */
export function deepMerge<T>(base: T, update: unknown): T {
  // The result has the base's shape with the update's values layered on; callers type it.
  return mergeValue(base, update) as T;
}

function mergeValue(base: unknown, update: unknown): unknown {
  if (update === undefined) return copy(base);
  if (!isPlainObject(base) || !isPlainObject(update)) return copy(update);
  const out: PlainObject = {};
  for (const key of Object.keys(base)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    out[key] = Object.hasOwn(update, key) ? mergeValue(base[key], update[key]) : copy(base[key]);
  }
  for (const key of Object.keys(update)) {
    const value = update[key];
    if (value === undefined || FORBIDDEN_KEYS.has(key) || Object.hasOwn(base, key)) continue;
    out[key] = copy(value);
  }
  return out;
}

/** Apply a metadata update with the contract's merge rule (see {@link deepMerge}). */
export function mergeMetadata(base: Metadata, update: Metadata): Metadata {
  return deepMerge(base, update);
}

/**
 * Record a change in `audit`: sets `created_by` to the actor if absent, sets
 * `last_modified_by`, and appends `{ at, actor, action }` to `history`, keeping the last
 * {@link MAX_AUDIT_HISTORY} entries. Returns new metadata; `meta` is not mutated.
 */
export function appendAudit(meta: Metadata, entry: { actor: string; action: string; at: string }): Metadata {
  const audit = meta.audit ?? {};
  const history = [...(audit.history ?? []), { at: entry.at, actor: entry.actor, action: entry.action }];
  return mergeMetadata(meta, {
    audit: {
      created_by: audit.created_by ?? entry.actor,
      last_modified_by: entry.actor,
      history: history.slice(-MAX_AUDIT_HISTORY),
    },
  });
}
