/**
 * The one bearer-token check of the platform: token string in, the principal (`sub`, `role`,
 * `issuer`) or a typed refusal out. The HTTP middleware, the WebSocket `$connect` and the AppSync
 * Events Lambda authorizer call {@link verifyBearer}; nothing else verifies tokens.
 * docs/contract.md#authentication lists the refusals.
 *
 * The watch transports (WebSocket `$connect`, the Event API's authorizer) pass `{ live: true }`:
 * they also take live tokens, platform tokens of audience `tempora-live` that name one campaign
 * (lib/broadcast/live-token.ts). The platform mints those itself for a caller it has already
 * verified (`GET /api/campaigns/{id}/live`), so they are accepted even where the stack does not
 * accept its own HS256 API tokens; the HTTP API never accepts them.
 *
 * - A token over 8 KB is refused (401) before anything is parsed.
 * - The (unverified) `iss` picks the rules: `tempora` → the stack's own HS256 keys (when the stack
 *   accepts them); a trusted issuer → its JWKS and its algorithms; anything else → 401.
 * - `alg: none`, an algorithm the issuer is not configured for (so an HS256 token signed with an
 *   issuer's public key never meets an HMAC check), a bad signature, an unknown `kid` (after one key
 *   refetch at most), `exp` past or `nbf` ahead by more than 60 s, a wrong audience → 401.
 * - A trusted issuer's token whose role claim maps to no Tempora role → 403.
 * - Keys that cannot be fetched and are not cached → 503 with `Retry-After`.
 */
import * as z from 'zod/mini';
import {
  type AuthConfig,
  type IssuerAlgorithm,
  PLATFORM_ISSUER,
  type TrustedIssuer,
} from '../config/auth.ts';
import { authEnv } from '../config/functions.ts';
import { TemporaError } from '../errors.ts';
import { idString } from '../limits/index.ts';
import { ROLES } from '../registry/types.ts';
import { claimAt, mappedRole } from './claims.ts';
import { type IssuerKeys, type IssuerKeysDeps, issuerKeys, quoted } from './jwks.ts';
import { decodeJws, type Jws, signedBy } from './jws.ts';
import { type PlatformKeys, validKeys } from './platform-keys.ts';
import { type Refreshing, SourceUnavailable } from './refreshing.ts';
import { platformKeySource } from './secret.ts';
import { AUDIENCE, LIVE_AUDIENCE, type Principal } from './tokens.ts';

/** Largest token accepted, bytes (identity providers' tokens with many groups reach a few KB). */
export const MAX_TOKEN_BYTES = 8192;
/** Clock skew allowed on `exp` and `nbf`, seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** A principal from a verified token. */
export interface VerifiedPrincipal extends Principal {
  issuer: string;
  /** The token's `exp` (epoch seconds): an authorizer caching its answer must not keep it longer. */
  expiresAt: number;
  /** A live token's campaign: its holder may watch that campaign and do nothing else. */
  campaign?: string;
}

/** Why a token is refused, with the HTTP status to answer. */
export interface AuthRefusal {
  status: 401 | 403 | 503;
  code: 'unauthorized' | 'forbidden' | 'unavailable';
  /** Readable by the caller; never a stack trace or a key. */
  reason: string;
  /** 503 only: seconds until the keys may be fetched again (`Retry-After`). */
  retryAfterSeconds?: number;
}

export type AuthResult = { ok: true; principal: VerifiedPrincipal } | { ok: false; refusal: AuthRefusal };

export interface VerifyOptions {
  /** Also accept live tokens (audience `tempora-live`, one campaign): the watch transports only. */
  live?: boolean;
}

/** Token in, principal or refusal out. Never throws for a bad token. */
export type Verifier = (token: string, opts?: VerifyOptions) => Promise<AuthResult>;

export interface VerifierDeps {
  config: AuthConfig;
  /** The stack's HS256 keys (lib/auth/secret.ts). */
  platformKeys: Refreshing<PlatformKeys>;
  /** Fetching of issuers' discovery documents and JWKS (tests pass their own). */
  jwks?: IssuerKeysDeps;
  /** Clock, epoch ms. */
  now?: () => number;
}

const CODES = { 401: 'unauthorized', 403: 'forbidden', 503: 'unavailable' } as const;
const refuse = (status: 401 | 403 | 503, reason: string, retryAfterSeconds?: number): AuthResult => ({
  ok: false,
  refusal: { status, code: CODES[status], reason, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
});

const platformClaims = z.object({
  sub: idString(),
  role: z.enum(ROLES),
  campaign: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});
const subject = idString();
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function createVerifier(deps: VerifierDeps): Verifier {
  const now = deps.now ?? Date.now;
  const issuers = new Map(deps.config.issuers.map((i) => [i.issuer, i]));
  const keysOf = new Map<string, IssuerKeys>();
  const jwksDeps = { ...deps.jwks, ...(deps.now ? { now: deps.now } : {}) };

  /** `exp` (required), `nbf` and `iat` against the clock, with the skew; a reason when refused. */
  const untimely = (c: Record<string, unknown>): string | undefined => {
    const t = now() / 1000;
    if (!isTime(c.exp)) return 'Token has no valid expiry (exp)';
    if (c.exp <= t - CLOCK_SKEW_SECONDS) return 'Token expired';
    if (c.nbf !== undefined && !(isTime(c.nbf) && c.nbf <= t + CLOCK_SKEW_SECONDS))
      return `Token is not valid yet (nbf more than ${CLOCK_SKEW_SECONDS} s ahead)`;
    if (c.iat !== undefined && !isTime(c.iat)) return 'Token has an invalid iat';
    return undefined;
  };
  /** The audience check API Gateway's JWT authorizer makes: `aud`, or `client_id` when there is no `aud`. */
  const audiencesOf = (c: Record<string, unknown>): unknown[] => {
    const aud = c.aud ?? c.client_id;
    return Array.isArray(aud) ? aud : [aud];
  };
  const audienceOk = (c: Record<string, unknown>, accepted: readonly string[]): boolean =>
    audiencesOf(c).some((a) => typeof a === 'string' && accepted.includes(a));

  async function platform(jws: Jws, kid: string | undefined, acceptLive: boolean): Promise<AuthResult> {
    // Which rules apply (the signature is checked below whatever they are): a live token where taken.
    const live = acceptLive && audiencesOf(jws.payload).includes(LIVE_AUDIENCE);
    if (!deps.config.hs256 && !live)
      return refuse(
        401,
        `Tokens signed with the platform key (issuer "${PLATFORM_ISSUER}") are not accepted by this stack`,
      );
    if (jws.header.alg !== 'HS256') return refuse(401, 'Platform tokens must be HS256');
    const candidates = async () => {
      try {
        return validKeys(await deps.platformKeys.get(), now()).filter(
          (k) => kid === undefined || k.kid === kid,
        );
      } catch (e) {
        if (e instanceof SourceUnavailable) return e;
        throw e;
      }
    };
    let keys = await candidates();
    if (kid !== undefined && Array.isArray(keys) && !keys.length) {
      // Signed after a rotation this function has not seen yet (or with a retired key): read the keys again.
      if ((await deps.platformKeys.refresh()) === 'failed')
        keys = new SourceUnavailable(deps.platformKeys.retryAfterSeconds());
      else keys = await candidates();
      if (Array.isArray(keys) && !keys.length)
        return refuse(401, `Unknown or retired signing key ${quoted(kid)}`);
    }
    if (!Array.isArray(keys))
      return refuse(503, 'The platform signing key cannot be read right now', keys.retryAfterSeconds);
    // A token without kid (minted before keys had ids): the current key, then the previous one.
    if (!keys.some((k) => signedBy(jws, 'HS256', k.bytes))) return refuse(401, 'Invalid token signature');
    const c = jws.payload;
    const late = untimely(c);
    if (late) return refuse(401, late);
    if (!audienceOk(c, live ? [AUDIENCE, LIVE_AUDIENCE] : [AUDIENCE]))
      return refuse(401, 'Token audience is not accepted by this stack');
    const claims = platformClaims.safeParse(c);
    if (!claims.success)
      return refuse(401, 'Token claims must include sub and role (user | admin | service)');
    const { sub, role, campaign } = claims.data;
    const principal = { sub, role, issuer: PLATFORM_ISSUER, expiresAt: c.exp as number };
    if (!live) return { ok: true, principal };
    if (campaign === undefined) return refuse(401, 'A live token names its campaign');
    return { ok: true, principal: { ...principal, campaign } };
  }

  async function trusted(jws: Jws, issuer: TrustedIssuer, kid: string | undefined): Promise<AuthResult> {
    const alg = jws.header.alg as IssuerAlgorithm;
    if (!issuer.algorithms.includes(alg))
      return refuse(
        401,
        `Algorithm ${quoted(alg)} is not accepted for ${issuer.issuer} (accepted: ${issuer.algorithms.join(', ')})`,
      );
    let keys = keysOf.get(issuer.issuer);
    if (!keys) {
      keys = issuerKeys(issuer, jwksDeps);
      keysOf.set(issuer.issuer, keys);
    }
    const key = await keys.keyFor(kid, alg);
    if ('status' in key) return refuse(key.status, key.reason, key.retryAfterSeconds);
    if (!signedBy(jws, alg, key)) return refuse(401, 'Invalid token signature');
    const c = jws.payload;
    const late = untimely(c);
    if (late) return refuse(401, late);
    if (!audienceOk(c, issuer.audiences)) return refuse(401, 'Token audience is not accepted by this stack');
    const claim = claimAt(c, issuer.subject_claim);
    const sub = subject.safeParse(
      typeof claim === 'string' && claim ? `${issuer.subject_prefix ?? ''}${claim}` : claim,
    );
    if (!sub.success)
      return refuse(401, `Token has no valid subject claim "${issuer.subject_claim}" (1-256 bytes)`);
    const role = mappedRole(c, issuer);
    if (!role)
      return refuse(
        403,
        `The token's "${issuer.role_claim}" claim holds no value this stack maps to a Tempora role (user, admin, service)`,
      );
    return {
      ok: true,
      principal: { sub: sub.data, role, issuer: issuer.issuer, expiresAt: c.exp as number },
    };
  }

  return async (token, opts) => {
    // Bytes ≥ UTF-16 length: a huge string is refused without being encoded or split.
    if (token.length > MAX_TOKEN_BYTES || Buffer.byteLength(token) > MAX_TOKEN_BYTES)
      return refuse(401, `Token is larger than ${MAX_TOKEN_BYTES} bytes`);
    const jws = decodeJws(token);
    if (!jws) return refuse(401, 'Malformed token (a signed JWT is header.payload.signature)');
    const { alg, kid, crit } = jws.header;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none')
      return refuse(401, 'Unsigned tokens (alg "none") are not accepted');
    if ((kid !== undefined && typeof kid !== 'string') || crit !== undefined)
      return refuse(401, 'Token header is not accepted (kid must be a string; no crit extensions)');
    const iss = jws.payload.iss;
    if (iss === PLATFORM_ISSUER) return platform(jws, kid, opts?.live === true);
    const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (!issuer)
      return refuse(
        401,
        `Token issuer ${JSON.stringify(iss ?? null).slice(0, 200)} is not trusted by this stack`,
      );
    return trusted(jws, issuer, kid);
  };
}

/** The refusal as the contract's error: `WWW-Authenticate` (RFC 6750) on 401/403, `Retry-After` on 503. */
export function refusalError(r: AuthRefusal): TemporaError {
  // A header value: printable ASCII only (a reason quotes token values, which may hold anything).
  const why = r.reason.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  const headers: Record<string, string> =
    r.status === 503
      ? { 'retry-after': String(r.retryAfterSeconds ?? 1) }
      : {
          'www-authenticate': `Bearer error="${r.status === 401 ? 'invalid_token' : 'insufficient_scope'}", error_description="${why}"`,
        };
  return new TemporaError(
    r.status,
    r.code,
    r.reason,
    r.status === 403 ? { rule: 'role_mapping' } : undefined,
    headers,
  );
}

let wired: Verifier | undefined;

/**
 * Verify a bearer token with this function's settings (`TEMPORA_AUTH`, the signing secret
 * `JWT_SECRET_ID`): the entry every transport calls. Keys are cached per function instance.
 */
export const verifyBearer: Verifier = (token, opts) => {
  wired ??= createVerifier({ config: authEnv.current().auth, platformKeys: platformKeySource() });
  return wired(token, opts);
};
