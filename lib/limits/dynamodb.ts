/**
 * What DynamoDB stores exactly, as plain checks (no I/O). Base layer: imports nothing.
 *
 * - **Numbers.** DynamoDB keeps up to 38 significant digits, magnitudes 1E-130 to
 *   9.9999999999999999999999999999999999999E+125. A JavaScript number is an IEEE double: every
 *   double is exactly representable in DynamoDB's format, but integers above 2^53 − 1 have
 *   already lost digits when the JSON text was parsed (`12345678901234567891` reads as
 *   `12345678901234567000`) and the SDK's marshaller refuses them. Tempora therefore accepts a
 *   number when it is finite and either 0 or of magnitude between 1E-130 and
 *   `Number.MAX_SAFE_INTEGER` (2^53 − 1 = 9007199254740991). Every double at or above 2^53 is an
 *   integer, so the rule reads: integers must be safe integers; fractions must not be below
 *   1E-130 in magnitude (`1e-300` is refused, `0` is fine). `1e300` is refused.
 * - **Nesting.** DynamoDB stores maps and lists up to 32 levels deep, counted from the item's
 *   root. A request value lands some levels below the root (an entity's fields under
 *   `envelope.payload.fields` in the outbox row, its metadata under `envelope.metadata`), so the
 *   edge allows fewer levels than 32: {@link MAX_BODY_DEPTH} for a whole body,
 *   {@link MAX_METADATA_DEPTH} for a metadata document.
 * - **Keys.** A partition key value is at most 2,048 bytes of UTF-8, a sort key value at most
 *   1,024. Values that become part of a key (ids, tags, features, owner ids) are capped well
 *   below, so the composite keys built from them (e.g. `<entity>#tag#<tag>#<state>`) always fit.
 */

/** DynamoDB's deepest nesting of maps and lists in one item. */
export const DYNAMODB_MAX_NESTING = 32;
/** DynamoDB's largest partition key value, UTF-8 bytes. */
export const DYNAMODB_PARTITION_KEY_BYTES = 2048;
/** DynamoDB's largest sort key value, UTF-8 bytes. */
export const DYNAMODB_SORT_KEY_BYTES = 1024;
/** DynamoDB's largest item, bytes (names plus values). */
export const DYNAMODB_ITEM_BYTES = 400 * 1024;
/** Smallest non-zero magnitude DynamoDB stores. */
export const DYNAMODB_MIN_MAGNITUDE = 1e-130;
/** Largest magnitude Tempora accepts: beyond it a JavaScript integer is no longer exact. */
export const MAX_NUMBER_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/**
 * Deepest nesting of a request body (the body itself is level 1). 8 levels of headroom under
 * DynamoDB's 32 for where the body is stored (at most 3 levels below an item's root today).
 */
export const MAX_BODY_DEPTH = 24;
/** Deepest nesting of a metadata document (the document itself is level 1). */
export const MAX_METADATA_DEPTH = 16;

/**
 * Largest tag or feature, UTF-8 bytes. Each one becomes part of the `_metadata_index`
 * partition key `<entity>#tag|feature#<value>#<state>` (entity ≤ 64, state ≤ 32 bytes), so the
 * key stays far below 2,048 bytes; and every tag that can be written can be listed by
 * (`?tag=` and `?feature=` take at most 128 characters).
 */
export const MAX_INDEXED_VALUE_BYTES = 128;
/**
 * Largest identifier that becomes (part of) a key, UTF-8 bytes: entity ids in paths (the
 * entity table's `id`, the master row's `<entity>#<id>`, the search index's
 * `<term>#<type>#<id>` sort key), owner ids (`by_owner` partition), event entity ids.
 */
export const MAX_ID_BYTES = 256;

/** UTF-8 length of a string. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Why a number cannot be stored exactly, or `undefined` when it can. */
export function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'must be a finite number';
  const m = Math.abs(n);
  if (m > MAX_NUMBER_MAGNITUDE)
    return `must be at most ${MAX_NUMBER_MAGNITUDE} in magnitude (larger integers are not exact)`;
  if (m !== 0 && m < DYNAMODB_MIN_MAGNITUDE) return 'must be 0 or at least 1e-130 in magnitude';
  return undefined;
}

/** True when DynamoDB stores `n` exactly and the SDK marshals it (see {@link numberProblem}). */
export const isStorableNumber = (n: number): boolean => numberProblem(n) === undefined;

const wellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/**
 * True when a string holds no lone UTF-16 surrogate, i.e. it survives UTF-8 unchanged
 * (`String.prototype.isWellFormed`, ES2024, present in every supported Node).
 */
export const isWellFormedUnicode = (s: string): boolean => wellFormed.call(s);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with each lone surrogate written as the text `\\uXXXX` (for naming a bad key). */
export const escapeLoneSurrogates = (s: string): string =>
  s.replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const LONE_SURROGATE_MESSAGE = 'must be well-formed Unicode (no lone UTF-16 surrogates)';
