/**
 * Compact JWS (RFC 7515) decoding and signature checks on node:crypto, for the four algorithms
 * Tempora accepts: HS256 (the platform's key), RS256, ES256 and EdDSA (Ed25519) (trusted issuers).
 *
 * Why not jose here (it signs tokens in the tools and tests): its verification path with JWK
 * import costs ~19 KB in every Lambda bundle, and the largest bundles had 1-2 KB left of their
 * 400 KB; these ~2 KB do the same on node:crypto (native RSA/ECDSA/EdDSA, constant-time HMAC).
 * test/unit/auth/jws.test.ts checks every verdict against jose's, on random and forged tokens.
 */
import {
  createHmac,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';

export type JwsAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

/** A token split and decoded, not verified. */
export interface Jws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `<header>.<payload>`, the signed bytes. */
  input: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function part(s: string): Buffer | undefined {
  // Buffer.from ignores characters outside the alphabet: refuse them, and impossible lengths.
  return B64URL.test(s) && s.length % 4 !== 1 ? Buffer.from(s, 'base64url') : undefined;
}

/** The header and claims of a compact JWS (`header.payload.signature`), or undefined when malformed. */
export function decodeJws(token: string): Jws | undefined {
  const [h = '', p = '', s = '', ...rest] = token.split('.');
  const [hb, pb, signature] = [part(h), part(p), part(s)];
  if (rest.length || !h || !p || !hb || !pb || !signature) return undefined;
  try {
    const header: unknown = JSON.parse(hb.toString());
    const payload: unknown = JSON.parse(pb.toString());
    return isObject(header) && isObject(payload)
      ? { header, payload, input: `${h}.${p}`, signature }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Node's key type (and curve) of each asymmetric algorithm. */
const KEY_TYPE = { RS256: 'rsa', ES256: 'ec', EdDSA: 'ed25519' } as const;

/**
 * The public key of `jwk` when it suits `alg` (RSA of at least 2048 bits, EC P-256, Ed25519),
 * else undefined. Only public members are read: a private part published by mistake is never used.
 */
export function publicKeyOf(
  jwk: Readonly<Record<string, unknown>>,
  alg: Exclude<JwsAlgorithm, 'HS256'>,
): KeyObject | undefined {
  const { kty, n, e, crv, x, y } = jwk;
  try {
    const key = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' });
    const d = key.asymmetricKeyDetails ?? {};
    const fits =
      key.asymmetricKeyType === KEY_TYPE[alg] &&
      (alg !== 'RS256' || (d.modulusLength ?? 0) >= 2048) &&
      (alg !== 'ES256' || d.namedCurve === 'prime256v1');
    return fits ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `jws` carries a valid `alg` signature by `key` (a KeyObject, or the HMAC key's bytes). */
export function signedBy(jws: Jws, alg: JwsAlgorithm, key: KeyObject | Uint8Array): boolean {
  const data = Buffer.from(jws.input);
  if (alg === 'HS256') {
    if (!(key instanceof Uint8Array)) return false;
    const mac = createHmac('sha256', key).update(data).digest();
    return mac.length === jws.signature.length && timingSafeEqual(mac, jws.signature);
  }
  if (key instanceof Uint8Array || key.asymmetricKeyType !== KEY_TYPE[alg]) return false;
  try {
    // JOSE's ECDSA signature is r‖s (IEEE P1363), not DER.
    return verify(
      alg === 'EdDSA' ? null : 'sha256',
      data,
      alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      jws.signature,
    );
  } catch {
    return false;
  }
}
