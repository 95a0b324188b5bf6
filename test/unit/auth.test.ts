import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearerToken,
  ISSUER,
  mintDevTokens,
  mintToken,
  verifyToken,
} from '../../lib/auth/tokens.ts';
import { isTemporaError } from '../../lib/errors.ts';

const SECRET = 'unit-test-signing-secret-0123456789abcdef';
const OTHER_SECRET = 'another-signing-secret-0123456789abcdef!!';
const key = (s: string) => new TextEncoder().encode(s);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

/** Asserts that `run` rejects with a 401 `unauthorized` TemporaError, optionally with `message`. */
async function expectUnauthorized(run: () => Promise<unknown>, message?: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(isTemporaError(caught), `expected a TemporaError, got ${String(caught)}`).toBe(true);
  if (!isTemporaError(caught)) return;
  expect(caught.status).toBe(401);
  expect(caught.code).toBe('unauthorized');
  if (typeof message === 'string') expect(caught.message).toBe(message);
  else if (message) expect(caught.message).toMatch(message);
}

/** A token signed with SECRET, with full control of the claims (for the negative cases). */
const signRaw = (
  claims: Record<string, unknown>,
  opts: { iss?: string; aud?: string; sub?: string } = {},
) => {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE);
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  return jwt.sign(key(SECRET));
};

describe('mintToken / verifyToken', () => {
  it('round-trips the principal and nothing else', async () => {
    const token = await mintToken(SECRET, { sub: 'alice', role: 'user' });
    await expect(verifyToken(SECRET, token)).resolves.toStrictEqual({ sub: 'alice', role: 'user' });
  });

  it('signs HS256 with the platform issuer, audience and the requested lifetime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await mintToken(SECRET, { sub: 'svc-1', role: 'service' }, 600);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'tempora', aud: 'tempora-api', sub: 'svc-1', role: 'service' });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 600);
    expect(claims.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
  });

  it('defaults to a 12 hour lifetime', async () => {
    const claims = decodeJwt(await mintToken(SECRET, { sub: 'alice', role: 'admin' }));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(12 * 3600);
  });

  it('rejects an expired token with 401 "Token expired"', async () => {
    const token = await mintToken(SECRET, { sub: 'alice', role: 'user' }, -10);
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Token expired');
  });

  it('rejects a token signed with another secret', async () => {
    const token = await mintToken(OTHER_SECRET, { sub: 'alice', role: 'admin' });
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Invalid token');
  });

  it('rejects a token from another issuer', async () => {
    const token = await signRaw({ role: 'admin' }, { sub: 'alice', iss: 'someone-else' });
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Invalid token');
  });

  it('rejects a token for another audience', async () => {
    const token = await signRaw({ role: 'admin' }, { sub: 'alice', aud: 'other-api' });
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Invalid token');
  });

  it('rejects an unsigned token (alg "none")', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'alice', role: 'admin', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600 };
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Invalid token');
  });

  it('rejects a genuine RS256 token (only HS256 is accepted)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectUnauthorized(() => verifyToken(SECRET, token), 'Invalid token');
  });

  it('rejects an HS256 token whose header was rewritten to RS256 (algorithm confusion)', async () => {
    const token = await mintToken(SECRET, { sub: 'alice', role: 'admin' });
    const [, payload, signature] = token.split('.');
    const forged = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`;
    await expectUnauthorized(() => verifyToken(SECRET, forged), 'Invalid token');
  });

  it('rejects garbage', async () => {
    await expectUnauthorized(() => verifyToken(SECRET, 'not-a-jwt'), 'Invalid token');
  });

  it('rejects a token without a role claim', async () => {
    const token = await signRaw({}, { sub: 'alice' });
    await expectUnauthorized(() => verifyToken(SECRET, token), /sub and role/);
  });

  it('rejects a token without a subject', async () => {
    const token = await signRaw({ role: 'admin' });
    await expectUnauthorized(() => verifyToken(SECRET, token), /sub and role/);
  });

  it.each(['superuser', 'Admin', '', 'root'])(
    'rejects role %j (only user | admin | service)',
    async (role) => {
      const token = await signRaw({ role }, { sub: 'alice' });
      await expectUnauthorized(() => verifyToken(SECRET, token), /sub and role/);
    },
  );

  it.each(['user', 'admin', 'service'] as const)('accepts role %s', async (role) => {
    const token = await signRaw({ role }, { sub: 'bob' });
    await expect(verifyToken(SECRET, token)).resolves.toStrictEqual({ sub: 'bob', role });
  });
});

describe('bearerToken', () => {
  it('rejects a missing header', () => {
    expect(() => bearerToken(undefined)).toThrowError(/Missing Authorization header/);
    expect(() => bearerToken('')).toThrowError(/Missing Authorization header/);
  });

  it.each([
    ['Basic dXNlcjpwYXNz'],
    ['Bearer'],
    ['Bearer '],
    ['Bearer    '],
    ['Bearertoken'],
    ['Bearer two tokens'],
    ['Token abc.def.ghi'],
  ])('rejects %j with 401', (header) => {
    try {
      bearerToken(header);
      expect.unreachable('bearerToken should have thrown');
    } catch (e) {
      expect(isTemporaError(e) && e.status === 401 && e.code === 'unauthorized').toBe(true);
      expect((e as Error).message).toBe('Authorization header must be "Bearer <token>"');
    }
  });

  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['  Bearer   abc.def.ghi  ', 'abc.def.ghi'],
    ['Bearer\tabc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['bEaReR abc.def.ghi', 'abc.def.ghi'],
  ])('extracts the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('mintDevTokens', () => {
  it('gives one verifiable token per role', async () => {
    const tokens = await mintDevTokens(SECRET);
    expect(Object.keys(tokens).sort()).toEqual(['admin', 'service', 'user']);
    const principals = await Promise.all([
      verifyToken(SECRET, tokens.admin),
      verifyToken(SECRET, tokens.user),
      verifyToken(SECRET, tokens.service),
    ]);
    expect(principals.map((p) => p.role)).toEqual(['admin', 'user', 'service']);
    expect(new Set(principals.map((p) => p.sub)).size).toBe(3);
  });

  it('honours ttlSeconds', async () => {
    const tokens = await mintDevTokens(SECRET, { ttlSeconds: -5 });
    await expectUnauthorized(() => verifyToken(SECRET, tokens.admin), 'Token expired');
    await expectUnauthorized(() => verifyToken(SECRET, tokens.user), 'Token expired');
    await expectUnauthorized(() => verifyToken(SECRET, tokens.service), 'Token expired');
  });

  it('tokens do not verify under another secret', async () => {
    const tokens = await mintDevTokens(SECRET);
    await expectUnauthorized(() => verifyToken(OTHER_SECRET, tokens.admin), 'Invalid token');
  });
});
