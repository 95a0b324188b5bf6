/** The platform's own tokens (HS256) through the one verifier, and the token helpers. */
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../../../lib/auth/platform-keys.ts';
import { AUDIENCE, bearerToken, ISSUER, mintDevTokens, mintToken } from '../../../lib/auth/tokens.ts';
import { type AuthResult, refusalError } from '../../../lib/auth/verify.ts';
import { isTemporaError } from '../../../lib/errors.ts';
import { b64url, FakeIdp, PLATFORM_SECRET as SECRET } from '../../kit/idp.ts';

const OTHER_SECRET = 'another-signing-secret-0123456789abcdef!!';
const idp = new FakeIdp();
const verify = idp.verifier();

/** The refusal of `result`: status and reason (fails when the token was accepted). */
function refused(result: AuthResult): { status: number; reason: string } {
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.principal)}`);
  return { status: result.refusal.status, reason: result.refusal.reason };
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
  return jwt.sign(new TextEncoder().encode(SECRET));
};

describe('platform tokens (HS256, issuer tempora)', () => {
  it('round-trips the principal, with its issuer and expiry', async () => {
    const token = await mintToken(SECRET, { sub: 'alice', role: 'user' });
    const r = await verify(token);
    expect(r).toStrictEqual({
      ok: true,
      principal: { sub: 'alice', role: 'user', issuer: 'tempora', expiresAt: decodeJwt(token).exp },
    });
  });

  it('signs HS256 with the platform issuer, audience, key id and the requested lifetime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await mintToken(SECRET, { sub: 'svc-1', role: 'service' }, 600);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(SECRET) });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'tempora', aud: 'tempora-api', sub: 'svc-1', role: 'service' });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 600);
    expect(claims.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
  });

  it('defaults to a 12 hour lifetime', async () => {
    const claims = decodeJwt(await mintToken(SECRET, { sub: 'alice', role: 'admin' }));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(12 * 3600);
  });

  it('refuses a token expired beyond the 60 s skew, and accepts one within it', async () => {
    expect(refused(await verify(await mintToken(SECRET, { sub: 'alice', role: 'user' }, -61)))).toEqual({
      status: 401,
      reason: 'Token expired',
    });
    expect((await verify(await mintToken(SECRET, { sub: 'alice', role: 'user' }, -30))).ok).toBe(true);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await mintToken(OTHER_SECRET, { sub: 'alice', role: 'admin' });
    // Its kid names a key this stack does not have.
    expect(refused(await verify(token))).toEqual({
      status: 401,
      reason: `Unknown or retired signing key "${keyIdOf(OTHER_SECRET)}"`,
    });
    const noKid = await signRaw({ role: 'admin' }, { sub: 'alice' });
    const forged = `${noKid.split('.').slice(0, 2).join('.')}.${(await mintToken(OTHER_SECRET, { sub: 'alice', role: 'admin' })).split('.')[2]}`;
    expect(refused(await verify(forged)).reason).toBe('Invalid token signature');
  });

  it('refuses a token from another issuer or for another audience', async () => {
    expect(
      refused(await verify(await signRaw({ role: 'admin' }, { sub: 'alice', iss: 'someone-else' }))),
    ).toEqual({
      status: 401,
      reason: 'Token issuer "someone-else" is not trusted by this stack',
    });
    expect(
      refused(await verify(await signRaw({ role: 'admin' }, { sub: 'alice', aud: 'other-api' }))),
    ).toEqual({
      status: 401,
      reason: 'Token audience is not accepted by this stack',
    });
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'alice', role: 'admin', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600 };
    for (const alg of ['none', 'None', 'NONE'])
      expect(refused(await verify(`${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}.`))).toEqual({
        status: 401,
        reason: 'Unsigned tokens (alg "none") are not accepted',
      });
  });

  it('refuses a genuine RS256 token and an HS256 token whose header says RS256', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(refused(await verify(rs))).toEqual({ status: 401, reason: 'Platform tokens must be HS256' });
    const [, payload, signature] = (await mintToken(SECRET, { sub: 'alice', role: 'admin' })).split('.');
    expect(
      refused(await verify(`${b64url({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`)).status,
    ).toBe(401);
  });

  it.each([
    'not-a-jwt',
    'a.b.c',
    'a.b',
    'a.b.c.d',
    '..',
    `${b64url([1])}.${b64url({})}.x`,
    `${b64url({ alg: 'HS256' })}.bm90IGpzb24.x`,
    '€.€.€',
  ])('refuses the malformed token %j', async (token) => {
    expect(refused(await verify(token))).toEqual({
      status: 401,
      reason: 'Malformed token (a signed JWT is header.payload.signature)',
    });
  });

  it.each([
    [{}, { sub: 'alice' }],
    [{ role: 'admin' }, {}],
    [{ role: 'superuser' }, { sub: 'alice' }],
    [{ role: 'Admin' }, { sub: 'alice' }],
    [{ role: '' }, { sub: 'alice' }],
    [{ role: 'user' }, { sub: 'x'.repeat(257) }],
  ])('refuses claims %j %j (sub and role user | admin | service)', async (claims, opts) => {
    expect(refused(await verify(await signRaw(claims, opts))).reason).toMatch(/sub and role/);
  });

  it.each(['user', 'admin', 'service'] as const)('accepts role %s', async (role) => {
    const r = await verify(await signRaw({ role }, { sub: 'bob' }));
    expect(r.ok && r.principal).toMatchObject({ sub: 'bob', role, issuer: 'tempora' });
  });

  it('refuses every platform token on a stack that does not accept them', async () => {
    const noHs = idp.verifier({ hs256: false });
    expect(refused(await noHs(await mintToken(SECRET, { sub: 'alice', role: 'admin' })))).toEqual({
      status: 401,
      reason: 'Tokens signed with the platform key (issuer "tempora") are not accepted by this stack',
    });
  });
});

describe('refusalError', () => {
  it('gives a 401 its WWW-Authenticate, a 403 its rule, a 503 its Retry-After', () => {
    const e401 = refusalError({
      status: 401,
      code: 'unauthorized',
      reason: 'Algorithm "HS256" is not accepted',
    });
    expect([e401.status, e401.code, e401.message]).toEqual([
      401,
      'unauthorized',
      'Algorithm "HS256" is not accepted',
    ]);
    expect(e401.headers).toEqual({
      'www-authenticate': `Bearer error="invalid_token", error_description="Algorithm 'HS256' is not accepted"`,
    });
    const e403 = refusalError({ status: 403, code: 'forbidden', reason: 'no role' });
    expect(e403.toBody()).toEqual({
      error: { code: 'forbidden', message: 'no role', details: { rule: 'role_mapping' } },
    });
    expect(e403.headers?.['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
    const e503 = refusalError({ status: 503, code: 'unavailable', reason: 'keys', retryAfterSeconds: 7 });
    expect([e503.status, e503.headers]).toEqual([503, { 'retry-after': '7' }]);
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
    const results = await Promise.all([verify(tokens.admin), verify(tokens.user), verify(tokens.service)]);
    const principals = results.map((r) => (r.ok ? r.principal : undefined));
    expect(principals.map((p) => p?.role)).toEqual(['admin', 'user', 'service']);
    expect(new Set(principals.map((p) => p?.sub)).size).toBe(3);
  });

  it('honours ttlSeconds', async () => {
    const tokens = await mintDevTokens(SECRET, { ttlSeconds: -120 });
    for (const t of Object.values(tokens)) expect(refused(await verify(t)).reason).toBe('Token expired');
  });
});
