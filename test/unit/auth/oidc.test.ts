/**
 * Tokens of a trusted OpenID Connect issuer through the one verifier (lib/auth/verify.ts): every
 * refusal of issue 27 with its status, role mapping, and the JWKS cache (one refetch per unknown
 * kid within the rate limit, stale keys while the issuer is down, rotation).
 */
import { createPublicKey } from 'node:crypto';
import { exportSPKI, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { mappedRole } from '../../../lib/auth/claims.ts';
import { JWKS_CACHE } from '../../../lib/auth/jwks.ts';
import { type AuthRefusal, type AuthResult, refusalError } from '../../../lib/auth/verify.ts';
import { type TrustedIssuer, trustedIssuerSchema } from '../../../lib/config/auth.ts';
import { b64url, FakeIdp, IDP, kitKey, trust } from '../../kit/idp.ts';

function refused(result: AuthResult): { status: number; reason: string; retryAfterSeconds?: number } {
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.principal)}`);
  return result.refusal;
}

let idp: FakeIdp;
let verify: ReturnType<FakeIdp['verifier']>;
beforeEach(async () => {
  idp = await FakeIdp.start();
  verify = idp.verifier();
});

describe('a trusted issuer’s token', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    '%s: gives the subject, the mapped role and the issuer',
    async (alg) => {
      const token = await idp.mint({ sub: 'u-42', groups: ['players'] }, { key: idp.key(alg) });
      const r = await verify(token);
      expect(r.ok && r.principal).toEqual({
        sub: 'u-42',
        role: 'user',
        issuer: IDP,
        expiresAt: expect.any(Number),
      });
    },
  );

  it('accepts `client_id` as the audience when there is no `aud` (Cognito access tokens)', async () => {
    expect((await verify(await idp.mint({ aud: undefined, client_id: 'tempora-test' }))).ok).toBe(true);
    expect(refused(await verify(await idp.mint({ aud: undefined, client_id: 'other' }))).status).toBe(401);
  });

  it('takes the subject from `subject_claim`', async () => {
    const v = idp.verifier({ issuers: [trust({ subject_claim: 'username' })] });
    const r = await v(await idp.mint({ username: 'ada' }));
    expect(r.ok && r.principal.sub).toBe('ada');
    expect(refused(await v(await idp.mint({}))).reason).toBe(
      'Token has no valid subject claim "username" (1-256 bytes)',
    );
    expect(refused(await v(await idp.mint({ username: '' }))).status).toBe(401);
    expect(refused(await v(await idp.mint({ username: 'a'.repeat(257) }))).status).toBe(401);
  });

  it('prefixes the subject with `subject_prefix`, so issuers’ subjects cannot collide', async () => {
    const v = idp.verifier({ issuers: [trust({ subject_prefix: 'tenant-1|' })] });
    const r = await v(await idp.mint({ sub: 'u-42' }));
    expect(r.ok && r.principal.sub).toBe('tenant-1|u-42');
    expect(refused(await v(await idp.mint({ sub: 'a'.repeat(250) }))).status).toBe(401);
  });
});

describe('refusals (issue 27 "Bad input"), each with its status', () => {
  it('alg none: 401', async () => {
    const token = `${b64url({ alg: 'none', kid: idp.key().kid })}.${b64url({ iss: IDP, aud: 'tempora-test', sub: 'u', groups: ['admins'], exp: 2e9 })}.`;
    expect(refused(await verify(token))).toMatchObject({
      status: 401,
      reason: 'Unsigned tokens (alg "none") are not accepted',
    });
  });

  it('algorithm confusion, an HS256 token signed with the issuer’s RSA public key as the secret: 401', async () => {
    const pem = await exportSPKI(
      createPublicKey({ key: idp.key('RS256').jwk as never, format: 'jwk' }) as never,
    );
    const confused = await new SignJWT({ iss: IDP, aud: 'tempora-test', sub: 'u', groups: ['admins'] })
      .setProtectedHeader({ alg: 'HS256', kid: idp.key('RS256').kid })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    expect(refused(await verify(confused))).toMatchObject({
      status: 401,
      reason: `Algorithm "HS256" is not accepted for ${IDP} (accepted: RS256, ES256, EdDSA)`,
    });
    // Nor as a platform token: the platform's key verifies it, not the public key.
    const asPlatform = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('tempora')
      .setAudience('tempora-api')
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    expect(refused(await verify(asPlatform))).toMatchObject({
      status: 401,
      reason: 'Invalid token signature',
    });
  });

  it('an algorithm the key is not for (ES256 header, RSA kid), or one the issuer is not configured for: 401', async () => {
    const rsa = idp.key('RS256');
    const es = await idp.mint({}, { key: idp.key('ES256'), header: { kid: rsa.kid } });
    expect(refused(await verify(es))).toMatchObject({
      status: 401,
      reason: `Key "${rsa.kid}" of ${IDP} is not an ES256 key`,
    });
    const rsOnly = idp.verifier({ issuers: [trust({ algorithms: ['RS256'] })] });
    expect(refused(await rsOnly(await idp.mint({}, { key: idp.key('EdDSA') }))).status).toBe(401);
  });

  it('an unknown kid: 401, after one JWKS refetch at most', async () => {
    await verify(await idp.mint()); // keys cached
    const before = idp.jwksFetches();
    const stranger = await kitKey('RS256', 'never-published');
    const r = refused(await verify(await idp.mint({}, { key: stranger })));
    expect(r).toMatchObject({ status: 401, reason: `Unknown signing key "never-published" of ${IDP}` });
    expect(idp.jwksFetches() - before).toBe(1);
  });

  it('a bad signature (a claim changed after signing): 401', async () => {
    const [h, , s] = (await idp.mint({ groups: ['players'] })).split('.');
    const payload = b64url({ iss: IDP, aud: 'tempora-test', sub: 'u-42', groups: ['admins'], exp: 2e9 });
    expect(refused(await verify(`${h}.${payload}.${s}`))).toMatchObject({
      status: 401,
      reason: 'Invalid token signature',
    });
  });

  it('expired, or nbf ahead, beyond the 60 s skew: 401; within it: accepted', async () => {
    const now = Math.floor(idp.nowMs / 1000);
    expect(refused(await verify(await idp.mint({ exp: now - 61 })))).toMatchObject({
      status: 401,
      reason: 'Token expired',
    });
    expect((await verify(await idp.mint({ exp: now - 59 }))).ok).toBe(true);
    expect(refused(await verify(await idp.mint({ nbf: now + 61 })))).toMatchObject({
      status: 401,
      reason: 'Token is not valid yet (nbf more than 60 s ahead)',
    });
    expect((await verify(await idp.mint({ nbf: now + 59 }))).ok).toBe(true);
    expect(refused(await verify(await idp.mint({ exp: undefined })))).toMatchObject({
      status: 401,
      reason: 'Token has no valid expiry (exp)',
    });
    expect(refused(await verify(await idp.mint({ exp: '2099-01-01' })))).toMatchObject({ status: 401 });
  });

  it('a wrong audience, or a wrong issuer: 401', async () => {
    expect(refused(await verify(await idp.mint({ aud: 'someone-else' })))).toMatchObject({
      status: 401,
      reason: 'Token audience is not accepted by this stack',
    });
    expect(refused(await verify(await idp.mint({ aud: [] })))).toMatchObject({ status: 401 });
    for (const iss of [`${IDP}/`, 'https://evil.example.com/tenant-1', 'TEMPORA', 42])
      expect(refused(await verify(await idp.mint({ iss })))).toMatchObject({
        status: 401,
        reason: expect.stringMatching(/is not trusted by this stack$/),
      });
  });

  it('a role claim that maps to nothing: 403, with the reason', async () => {
    for (const groups of [['guests'], [], 'guests', undefined, ['__proto__', 'constructor', 'toString']])
      expect(refused(await verify(await idp.mint({ groups })))).toMatchObject({
        status: 403,
        reason:
          'The token\'s "groups" claim holds no value this stack maps to a Tempora role (user, admin, service)',
      });
  });

  it('a token over 8 KB: 401, without parsing (no key fetched)', async () => {
    const big = await idp.mint({ pad: 'x'.repeat(9000) });
    expect(refused(await verify(big))).toMatchObject({
      status: 401,
      reason: 'Token is larger than 8192 bytes',
    });
    expect(refused(await verify('é'.repeat(4097)))).toMatchObject({
      status: 401,
      reason: 'Token is larger than 8192 bytes',
    });
    expect(idp.fetched).toEqual([]);
    // An identity provider's token of 7 KB (many groups) is fine.
    expect((await verify(await idp.mint({ pad: 'x'.repeat(5000) }))).ok).toBe(true);
  });

  it('a JWKS endpoint that is down: cached keys keep working; a new kid gets 503 with Retry-After', async () => {
    const known = await idp.mint();
    expect((await verify(known)).ok).toBe(true);
    idp.down = true;
    expect((await verify(known)).ok).toBe(true);
    const fresh = await kitKey('RS256', 'rotated-in');
    const r = refused(await verify(await idp.mint({}, { key: fresh })));
    expect(r).toMatchObject({
      status: 503,
      code: 'unavailable',
      reason: expect.stringMatching(/cannot be fetched/),
    });
    expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(r.retryAfterSeconds).toBeLessThanOrEqual(JWKS_CACHE.retryMs / 1000);
    // Past the cache's age, still down: the stale keys keep serving.
    idp.nowMs += JWKS_CACHE.maxAgeMs + 1000;
    expect((await verify(await idp.mint())).ok).toBe(true);
  });

  it('an issuer never reached: 503 with Retry-After, then no refetch before the retry delay', async () => {
    idp.down = true;
    expect(refused(await verify(await idp.mint()))).toMatchObject({ status: 503, retryAfterSeconds: 5 });
    const calls = idp.fetched.length;
    expect(refused(await verify(await idp.mint())).status).toBe(503);
    expect(idp.fetched.length).toBe(calls);
    idp.down = false;
    idp.nowMs += JWKS_CACHE.retryMs;
    expect((await verify(await idp.mint())).ok).toBe(true);
  });

  it('a kid or alg crafted to inject a header or flood the reason is quoted, cut and kept out of WWW-Authenticate', async () => {
    const evil = await idp.mint({}, { header: { kid: `x"\r\nSet-Cookie: a=b${'k'.repeat(5000)}` } });
    const r = refused(await verify(evil));
    expect(r.status).toBe(401);
    expect(r.reason.length).toBeLessThan(200);
    expect(r.reason).toContain('\\r\\nSet-Cookie');
    const header = refusalError(r as AuthRefusal).headers?.['www-authenticate'] ?? '';
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    const badAlg = refused(
      await verify(`${b64url({ alg: '\u2028RS256\n', kid: 'k' })}.${b64url({ iss: IDP, exp: 2e9 })}.c2ln`),
    );
    expect(refusalError(badAlg as AuthRefusal).headers?.['www-authenticate']).toMatch(/^[\x20-\x7e]+$/);
  });

  it('a header with crit extensions or a non-string kid: 401', async () => {
    const [, payload, signature] = (await idp.mint()).split('.');
    const crit = `${b64url({ alg: 'RS256', kid: idp.key().kid, crit: ['b64'], b64: false })}.${payload}.${signature}`;
    expect(refused(await verify(crit))).toMatchObject({
      status: 401,
      reason: expect.stringMatching(/no crit extensions/),
    });
    expect(refused(await verify(await idp.mint({}, { header: { kid: 7 } }))).status).toBe(401);
  });
});

describe('role mapping', () => {
  const issuer = (extra: Record<string, unknown> = {}): TrustedIssuer =>
    trustedIssuerSchema.parse(
      trust({ role_map: { players: 'user', admins: 'admin', robots: 'service' }, ...extra }),
    );

  it('reads an array or a string claim', () => {
    expect(mappedRole({ groups: ['players'] }, issuer())).toBe('user');
    expect(mappedRole({ groups: 'admins' }, issuer())).toBe('admin');
    expect(mappedRole({ groups: ['guests', 'robots'] }, issuer())).toBe('service');
  });

  it('gives the most privileged mapped role when several values map', () => {
    expect(mappedRole({ groups: ['players', 'admins', 'robots'] }, issuer())).toBe('admin');
    expect(mappedRole({ groups: ['players', 'robots'] }, issuer())).toBe('service');
  });

  it('reads a claim name with a colon (Cognito) and a dotted path (Keycloak)', () => {
    expect(mappedRole({ 'cognito:groups': ['admins'] }, issuer({ role_claim: 'cognito:groups' }))).toBe(
      'admin',
    );
    expect(
      mappedRole({ realm_access: { roles: ['players'] } }, issuer({ role_claim: 'realm_access.roles' })),
    ).toBe('user');
    expect(
      mappedRole({ 'realm_access.roles': ['robots'] }, issuer({ role_claim: 'realm_access.roles' })),
    ).toBe('service');
  });

  it('maps nothing for unknown values, non-strings, prototype names and missing claims', () => {
    const i = issuer();
    for (const groups of [
      ['guests'],
      [1, null, { admins: 1 }],
      ['__proto__', 'constructor', 'hasOwnProperty'],
      {},
      3,
      null,
    ])
      expect(mappedRole({ groups }, i)).toBeUndefined();
    expect(mappedRole({}, i)).toBeUndefined();
    expect(
      mappedRole({ realm_access: ['players'] }, issuer({ role_claim: 'realm_access.0' })),
    ).toBeUndefined();
  });

  it('a role map value outside user | admin | service, or an empty map, is refused by the configuration', () => {
    expect(trustedIssuerSchema.safeParse(trust({ role_map: { x: 'root' as never } })).success).toBe(false);
    expect(trustedIssuerSchema.safeParse(trust({ role_map: {} })).success).toBe(false);
  });
});

describe('the JWKS cache', () => {
  it('one discovery and one JWKS fetch for many first requests at once', async () => {
    const token = await idp.mint();
    const results = await Promise.all(Array.from({ length: 20 }, () => verify(token)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(idp.fetched).toEqual([`${IDP}/.well-known/openid-configuration`, `${IDP}/jwks`]);
  });

  it('one refetch for any number of unknown kids within the rate limit, another after it', async () => {
    await verify(await idp.mint());
    const strangers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => kitKey('ES256', `unknown-${i}`)),
    );
    const before = idp.jwksFetches();
    for (const k of strangers) expect(refused(await verify(await idp.mint({}, { key: k }))).status).toBe(401);
    expect(idp.jwksFetches() - before).toBe(1);
    idp.nowMs += JWKS_CACHE.cooldownMs;
    await verify(await idp.mint({}, { key: strangers[0] }));
    expect(idp.jwksFetches() - before).toBe(2);
  });

  it('mid-rotation both keys work; a removed key works until the next refetch, then is refused', async () => {
    const old = idp.key('RS256');
    const oldToken = await idp.mint({}, { key: old });
    expect((await verify(oldToken)).ok).toBe(true);
    // The issuer publishes a second key and signs new tokens with it.
    const next = await kitKey('RS256', 'rs-next');
    idp.published = [...idp.published, next];
    expect((await verify(await idp.mint({}, { key: next }))).ok).toBe(true);
    expect((await verify(oldToken)).ok).toBe(true);
    // It removes the old key: cached, still valid…
    idp.published = idp.published.filter((k) => k !== old);
    expect((await verify(oldToken)).ok).toBe(true);
    // …until the cache's age forces a refetch.
    idp.nowMs += JWKS_CACHE.maxAgeMs;
    expect(refused(await verify(await idp.mint({}, { key: old })))).toMatchObject({ status: 401 });
    expect((await verify(await idp.mint({}, { key: next }))).ok).toBe(true);
  });

  it('skips discovery when jwks_uri is configured, and refuses a discovery document naming another issuer', async () => {
    const direct = idp.verifier({ issuers: [trust({ jwks_uri: `${IDP}/jwks` })] });
    expect((await direct(await idp.mint())).ok).toBe(true);
    expect(idp.fetched).toEqual([`${IDP}/jwks`]);
    const liar = new FakeIdp('https://idp.example.com/other');
    liar.published = idp.published;
    liar.discoveryIssuer = IDP;
    expect(refused(await liar.verifier()(await liar.mint())).status).toBe(503);
  });
});
