/**
 * The platform's own bearer JWTs: HS256, issuer `tempora`, audience `tempora-api`, claims `sub`
 * and `role`, signed with the stack's current key (its id in the header's `kid`). Verification of
 * these and of trusted issuers' tokens is lib/auth/verify.ts.
 */
import { SignJWT } from 'jose';
import { PLATFORM_ISSUER } from '../config/auth.ts';
import { unauthorized } from '../errors.ts';
import type { Role } from '../registry/types.ts';
import { parsePlatformKeys } from './platform-keys.ts';

export const ISSUER = PLATFORM_ISSUER;
export const AUDIENCE = 'tempora-api';
/**
 * The audience of live tokens: a platform token that lets its holder watch one campaign (claim
 * `campaign`) and nothing else (lib/broadcast/live-token.ts mints them; the watch transports accept them).
 */
export const LIVE_AUDIENCE = 'tempora-live';

/** Who a request speaks for. */
export interface Principal {
  sub: string;
  role: Role;
  /** The token's issuer (`tempora` for the platform's own tokens), when it came from a token. */
  issuer?: string;
}

/**
 * Sign a token for `principal`, valid for `ttlSeconds` (default 12 h), with the current key of
 * `secret` (the signing secret's value: a bare key, or the rotation JSON of lib/auth/platform-keys.ts).
 */
export async function mintToken(
  secret: string,
  principal: Pick<Principal, 'sub' | 'role'>,
  ttlSeconds = 12 * 3600,
): Promise<string> {
  const { current } = parsePlatformKeys(secret);
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: current.kid })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(current.bytes);
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

/** Extract the token of an `Authorization: Bearer <jwt>` header value. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('Missing Authorization header (Bearer token)');
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m?.[1]) throw unauthorized('Authorization header must be "Bearer <token>"');
  return m[1];
}
