/**
 * The platform's own HS256 keys, as the stack's Secrets Manager secret holds them:
 *
 * - a bare string (what CloudFormation generates): one key;
 * - after `tempora auth rotate`, JSON `{ "current": "<key>", "previous": "<key>",
 *   "previous_valid_until": "<RFC 3339>" }`: tokens are signed with `current`; those signed with
 *   `previous` stay valid until the end of the grace window, then are refused.
 *
 * A key's id (`kid` in the tokens' header) is derived from the key (a truncated SHA-256), so a
 * bare secret needs no bookkeeping and a verifier knows which key a token names.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Shortest key accepted (characters). */
export const MIN_KEY_LENGTH = 32;

export interface PlatformKey {
  kid: string;
  /** The key as stored (also the root of the pagination cursors' key). */
  raw: string;
  /** Its bytes, the HMAC key. */
  bytes: Uint8Array;
  /** Epoch ms after which tokens signed with it are refused (the previous key's grace window). */
  validUntil?: number;
}

export interface PlatformKeys {
  current: PlatformKey;
  previous?: PlatformKey;
}

interface StoredKeys {
  current: string;
  previous?: string;
  previous_valid_until?: string;
}

export const keyIdOf = (raw: string): string =>
  `k-${createHash('sha256').update(raw).digest('base64url').slice(0, 12)}`;

function keyOf(raw: unknown, what: string, validUntil?: number): PlatformKey {
  if (typeof raw !== 'string' || raw.length < MIN_KEY_LENGTH)
    throw new Error(`JWT signing secret: ${what} key is missing or shorter than ${MIN_KEY_LENGTH}`);
  return {
    kid: keyIdOf(raw),
    raw,
    bytes: new TextEncoder().encode(raw),
    ...(validUntil === undefined ? {} : { validUntil }),
  };
}

/** The keys a secret value holds (a bare key or the rotation JSON); throws on anything else. */
export function parsePlatformKeys(value: string): PlatformKeys {
  if (!value.trimStart().startsWith('{')) return { current: keyOf(value, 'the') };
  let stored: StoredKeys;
  try {
    stored = JSON.parse(value) as StoredKeys;
  } catch {
    // A generated key that happens to start with "{" (a generator that does not exclude
    // punctuation, as the emulator's may not) is a bare key, not broken rotation JSON.
    return { current: keyOf(value, 'the') };
  }
  const current = keyOf(stored.current, 'the current');
  if (stored.previous === undefined) return { current };
  const until = Date.parse(stored.previous_valid_until ?? '');
  if (!Number.isFinite(until)) throw new Error('JWT signing secret: previous_valid_until is not a date');
  return { current, previous: keyOf(stored.previous, 'the previous', until) };
}

/** The keys a token may be verified with at `now`: the current one, and the previous one during its grace window. */
export const validKeys = (keys: PlatformKeys, now: number): PlatformKey[] =>
  keys.previous && (keys.previous.validUntil ?? 0) > now ? [keys.current, keys.previous] : [keys.current];

/** A new random key (64 URL-safe characters, 384 bits). */
export const newPlatformKey = (): string => randomBytes(48).toString('base64url');

/** A rotation asked for while the previous key's grace window still runs. */
export class RotationInGrace extends Error {}

/**
 * The secret value after a rotation at `now`: `next` becomes the current key and the current one
 * stays valid for `graceSeconds`. Refuses (unless `force`) while an earlier rotation's grace
 * window runs: rotating again would cut off the tokens signed with the key it still honours.
 */
export function rotatePlatformKeys(
  value: string,
  next: string,
  opts: { graceSeconds: number; now: number; force?: boolean },
): string {
  const keys = parsePlatformKeys(value);
  keyOf(next, 'the new');
  const until = keys.previous?.validUntil;
  if (until !== undefined && until > opts.now && !opts.force)
    throw new RotationInGrace(
      `the previous key (${keys.previous?.kid}) is honoured until ${new Date(until).toISOString()}: rotating now would refuse its tokens at once`,
    );
  const stored: StoredKeys = {
    current: next,
    previous: keys.current.raw,
    previous_valid_until: new Date(opts.now + opts.graceSeconds * 1000).toISOString(),
  };
  return JSON.stringify(stored);
}
