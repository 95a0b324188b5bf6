/**
 * Bearer JWTs: HS256, issuer `tempora`, audience `tempora-api`, claims `sub` and `role`.
 * The same verification runs in every Lambda on AWS and on the emulator; the signing key
 * is a Secrets Manager secret created by the stack.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import { unauthorized } from '../errors.ts';
import { idString } from '../limits/index.ts';
import { ROLES, type Role } from '../registry/types.ts';

export const ISSUER = 'tempora';
export const AUDIENCE = 'tempora-api';

export interface Principal {
  sub: string;
  role: Role;
}

const claimsSchema = z.object({
  // `sub` becomes a key (owner ids, `by_owner` index, audit actor): at most 256 bytes, well-formed.
  sub: idString(),
  role: z.enum(ROLES),
});

const keyCache = new Map<string, Uint8Array>();
const keyOf = (secret: string): Uint8Array => {
  let k = keyCache.get(secret);
  if (!k) {
    k = new TextEncoder().encode(secret);
    keyCache.set(secret, k);
  }
  return k;
};

/** Sign a token for `principal`, valid for `ttlSeconds` (default 12 h). */
export async function mintToken(
  secret: string,
  principal: Principal,
  ttlSeconds = 12 * 3600,
): Promise<string> {
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(keyOf(secret));
}

/** One token per role, for local development and tests. */
export async function mintDevTokens(
  secret: string,
  opts: { ttlSeconds?: number } = {},
): Promise<{ admin: string; user: string; service: string }> {
  const ttl = opts.ttlSeconds ?? 12 * 3600;
  const [admin, user, service] = await Promise.all([
    mintToken(secret, { sub: 'dev-admin', role: 'admin' }, ttl),
    mintToken(secret, { sub: 'dev-user', role: 'user' }, ttl),
    mintToken(secret, { sub: 'dev-service', role: 'service' }, ttl),
  ]);
  return { admin, user, service };
}

/** Verify a compact JWT; any failure is a 401 with a reason a client can act on. */
export async function verifyToken(secret: string, token: string): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success)
      throw unauthorized('Token claims must include sub and role (user | admin | service)');
    return claims.data;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthorized('Token expired');
    if (e instanceof joseErrors.JOSEError) throw unauthorized('Invalid token');
    throw e;
  }
}

/** Extract the token of an `Authorization: Bearer <jwt>` header value. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('Missing Authorization header (Bearer token)');
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m?.[1]) throw unauthorized('Authorization header must be "Bearer <token>"');
  return m[1];
}
