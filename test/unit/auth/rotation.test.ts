/**
 * Rotation of the platform's HS256 key (`tempora auth rotate`): the secret's value after a
 * rotation, both keys valid through the grace window, the previous one refused after it, and a
 * function whose cached keys predate the rotation picking the new key up at the first token naming it.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  keyIdOf,
  newPlatformKey,
  parsePlatformKeys,
  RotationInGrace,
  rotatePlatformKeys,
} from '../../../lib/auth/platform-keys.ts';
import { refreshing } from '../../../lib/auth/refreshing.ts';
import { mintToken } from '../../../lib/auth/tokens.ts';
import { createVerifier } from '../../../lib/auth/verify.ts';

const OLD = 'the-old-platform-signing-key-0123456789abcdef';
const T0 = Date.parse('2026-06-01T12:00:00Z');

describe('the signing secret’s value', () => {
  it('a bare key is the current key; its id derives from it', () => {
    const keys = parsePlatformKeys(OLD);
    expect(keys).toEqual({ current: { kid: keyIdOf(OLD), raw: OLD, bytes: new TextEncoder().encode(OLD) } });
    expect(keyIdOf(OLD)).toMatch(/^k-[A-Za-z0-9_-]{12}$/);
    expect(keyIdOf(OLD)).not.toBe(keyIdOf(`${OLD}x`));
  });

  it('a generated key that starts with "{" but is not JSON is a bare key (a CI setup failed on one)', () => {
    const odd = `{${OLD}`;
    expect(parsePlatformKeys(odd).current).toMatchObject({ kid: keyIdOf(odd), raw: odd });
    expect(parsePlatformKeys(odd).previous).toBeUndefined();
  });

  it('a rotation makes a new current key and keeps the old one until the end of the grace window', () => {
    const next = newPlatformKey();
    expect(next).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const value = rotatePlatformKeys(OLD, next, { graceSeconds: 3600, now: T0 });
    expect(JSON.parse(value)).toEqual({
      current: next,
      previous: OLD,
      previous_valid_until: '2026-06-01T13:00:00.000Z',
    });
    const keys = parsePlatformKeys(value);
    expect(keys.current.raw).toBe(next);
    expect(keys.previous).toMatchObject({ raw: OLD, kid: keyIdOf(OLD), validUntil: T0 + 3_600_000 });
  });

  it('a second rotation within the grace window is refused unless forced (it would cut the oldest key off)', () => {
    const once = rotatePlatformKeys(OLD, newPlatformKey(), { graceSeconds: 3600, now: T0 });
    expect(() =>
      rotatePlatformKeys(once, newPlatformKey(), { graceSeconds: 3600, now: T0 + 60_000 }),
    ).toThrow(RotationInGrace);
    const forced = rotatePlatformKeys(once, newPlatformKey(), {
      graceSeconds: 60,
      now: T0 + 60_000,
      force: true,
    });
    expect(parsePlatformKeys(forced).previous?.raw).toBe(parsePlatformKeys(once).current.raw);
    // After the window, a rotation needs no force.
    expect(() =>
      rotatePlatformKeys(once, newPlatformKey(), { graceSeconds: 3600, now: T0 + 3_600_001 }),
    ).not.toThrow();
  });

  it.each([
    ['short', 'too-short'],
    ['JSON without a current key', '{"previous":"x"}'],
    ['a previous key without a date', JSON.stringify({ current: OLD, previous: `${OLD}2` })],
    ['broken JSON', '{"current":'],
  ])('refuses a value that is %s', (_what, value) => {
    expect(() => parsePlatformKeys(value)).toThrow(/JWT signing secret/);
  });
});

describe('verification across a rotation', () => {
  /** A verifier over a secret the test rewrites, on a test clock. */
  function stack() {
    const state = { value: OLD, now: T0, reads: 0 };
    const verify = createVerifier({
      config: { hs256: true, issuers: [] },
      platformKeys: refreshing(
        async () => {
          state.reads++;
          return parsePlatformKeys(state.value);
        },
        { maxAgeMs: 300_000, cooldownMs: 10_000, retryMs: 2_000, now: () => state.now },
      ),
      now: () => state.now,
    });
    const mint = async (secretValue: string) => {
      const saved = Date.now;
      Date.now = () => state.now; // mintToken stamps iat/exp from the clock
      try {
        return await mintToken(secretValue, { sub: 'alice', role: 'admin' }, 12 * 3600);
      } finally {
        Date.now = saved;
      }
    };
    return { state, verify, mint };
  }

  it('keeps both keys valid through the grace window, then refuses the old one', async () => {
    const { state, verify, mint } = stack();
    const oldToken = await mint(OLD);
    expect((await verify(oldToken)).ok).toBe(true);
    state.value = rotatePlatformKeys(OLD, newPlatformKey(), { graceSeconds: 3600, now: state.now });
    const newToken = await mint(state.value);
    // The function's cache holds the old key only: the new token's kid makes it read the secret again.
    const readsBefore = state.reads;
    expect((await verify(newToken)).ok).toBe(true);
    expect(state.reads).toBe(readsBefore + 1);
    expect((await verify(oldToken)).ok).toBe(true);
    state.now += 3_599_000;
    expect((await verify(oldToken)).ok).toBe(true);
    state.now += 2_000;
    expect(await verify(oldToken)).toMatchObject({
      ok: false,
      refusal: { status: 401, reason: expect.stringMatching(/retired signing key/) },
    });
    expect((await verify(newToken)).ok).toBe(true);
  });

  it('a token without kid (minted before keys had ids) verifies with the previous key during the grace window', async () => {
    const { state, verify } = stack();
    const legacy = await new SignJWT({ role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setIssuer('tempora')
      .setAudience('tempora-api')
      .setIssuedAt(Math.floor(T0 / 1000))
      .setExpirationTime(Math.floor(T0 / 1000) + 7200)
      .sign(new TextEncoder().encode(OLD));
    state.value = rotatePlatformKeys(OLD, newPlatformKey(), { graceSeconds: 600, now: state.now });
    expect((await verify(legacy)).ok).toBe(true);
    state.now += 601_000 + 300_000; // past the window and the cache's age
    expect(await verify(legacy)).toMatchObject({ ok: false, refusal: { reason: 'Invalid token signature' } });
  });

  it('a secret that cannot be read: 503 with Retry-After, not a 500', async () => {
    const verify = createVerifier({
      config: { hs256: true, issuers: [] },
      platformKeys: refreshing(async () => Promise.reject(new Error('AccessDenied')), {
        maxAgeMs: 1,
        cooldownMs: 1,
        retryMs: 2_000,
      }),
    });
    expect(await verify(await mintToken(OLD, { sub: 'a', role: 'user' }))).toMatchObject({
      ok: false,
      refusal: { status: 503, code: 'unavailable', retryAfterSeconds: 2 },
    });
  });
});
