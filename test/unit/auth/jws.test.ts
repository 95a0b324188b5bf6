/**
 * lib/auth/jws.ts (JWS checks on node:crypto, kept out of jose to fit the Lambda bundles) agrees
 * with jose, the reference: on tokens jose signs with random claims for each algorithm, and on
 * every mutation of them (a character of the header, payload or signature changed, parts cut,
 * the algorithm swapped), both accept or both refuse. Keys that do not suit an algorithm are
 * refused by both.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import {
  type CryptoKey,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJws, type JwsAlgorithm, publicKeyOf, signedBy } from '../../../lib/auth/jws.ts';

const HMAC = new TextEncoder().encode('jws-differential-test-secret-0123456789');
type Asym = Exclude<JwsAlgorithm, 'HS256'>;
const keys = {} as Record<Asym, { privateKey: CryptoKey; jwk: JWK }>;

beforeAll(async () => {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    const pair = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey) };
  }
});

async function joseAccepts(token: string, alg: JwsAlgorithm): Promise<boolean> {
  try {
    const key = alg === 'HS256' ? HMAC : await importJWK(keys[alg].jwk, alg);
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

function oursAccepts(token: string, alg: JwsAlgorithm): boolean {
  const jws = decodeJws(token);
  if (!jws || jws.header.alg !== alg || jws.header.crit !== undefined) return false;
  const key = alg === 'HS256' ? HMAC : publicKeyOf(keys[alg].jwk as Record<string, unknown>, alg);
  return key !== undefined && signedBy(jws, alg, key);
}

const algArb = fc.constantFrom<JwsAlgorithm>('HS256', 'RS256', 'ES256', 'EdDSA');
const claimsArb = fc.dictionary(
  fc.string({ maxLength: 8 }),
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  ),
  { maxKeys: 5 },
);

const sign = (alg: JwsAlgorithm, claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(alg === 'HS256' ? HMAC : keys[alg].privateKey);

/** A mutation of a token: one character replaced in a part, a part cut or dropped, or the header swapped. */
const mutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('char' as const),
    part: fc.integer({ min: 0, max: 2 }),
    at: fc.nat(),
    by: fc.constantFrom('A', 'z', '_', '-', '0', '=', '.', '+', '/', ' '),
  }),
  fc.record({ kind: fc.constant('cut' as const), part: fc.integer({ min: 0, max: 2 }), keep: fc.nat() }),
  fc.record({
    kind: fc.constant('alg' as const),
    alg: fc.constantFrom('HS256', 'RS256', 'ES256', 'EdDSA', 'none', 'HS512', 'PS256'),
  }),
  fc.record({ kind: fc.constant('parts' as const), parts: fc.integer({ min: 1, max: 4 }) }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate(token: string, m: Mutation): string {
  const parts = token.split('.');
  switch (m.kind) {
    case 'char': {
      const p = parts[m.part] ?? '';
      const at = p.length ? m.at % p.length : 0;
      parts[m.part] = `${p.slice(0, at)}${m.by}${p.slice(at + 1)}`;
      return parts.join('.');
    }
    case 'cut':
      parts[m.part] = (parts[m.part] ?? '').slice(0, m.keep % Math.max(1, (parts[m.part] ?? '').length));
      return parts.join('.');
    case 'alg': {
      const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      parts[0] = Buffer.from(JSON.stringify({ ...header, alg: m.alg })).toString('base64url');
      return parts.join('.');
    }
    case 'parts':
      return [...parts, 'x'].slice(0, m.parts).join('.');
  }
}

describe('lib/auth/jws.ts against jose', () => {
  it('accepts what jose signs, for every algorithm', async () => {
    await fc.assert(
      fc.asyncProperty(algArb, claimsArb, async (alg, claims) => {
        const token = await sign(alg, claims);
        expect(oursAccepts(token, alg)).toBe(true);
        expect(await joseAccepts(token, alg)).toBe(true);
        expect(decodeJws(token)?.payload).toEqual(claims);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with jose on every mutation of a signed token', async () => {
    await fc.assert(
      fc.asyncProperty(algArb, claimsArb, mutationArb, async (alg, claims, m) => {
        const token = mutate(await sign(alg, claims), m);
        expect(oursAccepts(token, alg)).toBe(await joseAccepts(token, alg));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a signature checked under another algorithm’s key or type', async () => {
    const rs = await sign('RS256', { a: 1 });
    const jws = decodeJws(rs);
    if (!jws) throw new Error('decode');
    expect(
      signedBy(jws, 'HS256', publicKeyOf(keys.RS256.jwk as Record<string, unknown>, 'RS256') as never),
    ).toBe(false);
    expect(
      signedBy(jws, 'ES256', publicKeyOf(keys.RS256.jwk as Record<string, unknown>, 'RS256') as never),
    ).toBe(false);
    expect(signedBy(jws, 'RS256', HMAC)).toBe(false);
  });

  it('takes only keys that suit the algorithm, as jose does', async () => {
    const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, unknown>;
    const rsa1024 = jwkOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
    const p384 = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
    const ed448 = jwkOf(generateKeyPairSync('ed448').publicKey);
    expect(publicKeyOf(rsa1024, 'RS256')).toBeUndefined();
    expect(publicKeyOf(p384, 'ES256')).toBeUndefined();
    expect(publicKeyOf(ed448, 'EdDSA')).toBeUndefined();
    expect(publicKeyOf(keys.ES256.jwk as Record<string, unknown>, 'RS256')).toBeUndefined();
    expect(publicKeyOf({ kty: 'oct', k: 'c2VjcmV0' }, 'RS256')).toBeUndefined();
    expect(publicKeyOf({ kty: 'RSA', n: '!!', e: 'AQAB' }, 'RS256')).toBeUndefined();
    // A private part published by mistake is ignored: the key stays public.
    const withPrivate = { ...keys.ES256.jwk, d: 'AAAA' } as Record<string, unknown>;
    expect(publicKeyOf(withPrivate, 'ES256')?.type).toBe('public');
    // jose refuses the short RSA key too.
    const short = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .sign((await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey);
    await expect(
      compactVerify(short, await importJWK(rsa1024 as JWK, 'RS256'), { algorithms: ['RS256'] }),
    ).rejects.toThrow();
  });
});
