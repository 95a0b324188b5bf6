/**
 * A trusted issuer's public keys: its JWKS (at `jwks_uri`, or where its OpenID discovery document
 * says), fetched on first use and kept 10 minutes; a token naming a key id the cache lacks
 * refetches it at once, at most every 30 s (lib/auth/refreshing.ts). While the issuer cannot be
 * reached, cached keys keep working and a key id never seen is refused with 503 and `Retry-After`.
 */
import type { KeyObject } from 'node:crypto';
import type { IssuerAlgorithm, TrustedIssuer } from '../config/auth.ts';
import { publicKeyOf } from './jws.ts';
import { refreshing, SourceUnavailable } from './refreshing.ts';

/** How a JWKS is cached (API Gateway's JWT authorizer keeps keys up to 2 h; 10 min retires a removed key sooner). */
export const JWKS_CACHE = { maxAgeMs: 600_000, cooldownMs: 30_000, retryMs: 5_000, timeoutMs: 3_000 };

/** No key for the token: 401, or 503 with `Retry-After` when the issuer cannot be reached. */
export interface KeyRefusal {
  status: 401 | 503;
  reason: string;
  retryAfterSeconds?: number;
}

export interface IssuerKeysDeps {
  /** GET a JSON document (tests pass their own); default: `fetch`, 3 s timeout, no redirects. */
  fetchJson?: (url: string) => Promise<unknown>;
  now?: () => number;
}

type Jwk = Readonly<Record<string, unknown>>;

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(JWKS_CACHE.timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** A token's value (kid, alg) as a reason quotes it: JSON-escaped, at most 64 characters. */
export const quoted = (v: string): string => JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);

const isObject = (v: unknown): v is Jwk => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys of `issuer`: `keyFor(kid, alg)` gives the key that verifies a token, or why there is none. */
export function issuerKeys(issuer: TrustedIssuer, deps: IssuerKeysDeps = {}) {
  const get = deps.fetchJson ?? fetchJson;
  const iss = issuer.issuer;
  let jwksUri = issuer.jwks_uri;
  /** Imported keys, by the JWK of the current set (a reload drops them with the set). */
  const imported = new WeakMap<Jwk, KeyObject | undefined>();

  const load = async (): Promise<Jwk[]> => {
    try {
      if (!jwksUri) {
        // Discovery: the document must name this very issuer.
        const doc = await get(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`);
        if (!isObject(doc) || doc.issuer !== iss || typeof doc.jwks_uri !== 'string')
          throw new Error(`discovery of ${iss} failed`);
        jwksUri = doc.jwks_uri;
      }
      const jwks = await get(jwksUri);
      if (!isObject(jwks) || !Array.isArray(jwks.keys)) throw new Error(`${jwksUri} is not a JWKS`);
      return jwks.keys.filter(isObject);
    } catch (e) {
      jwksUri = issuer.jwks_uri; // discover again next time, unless configured
      throw e;
    }
  };
  const keys = refreshing(load, { ...JWKS_CACHE, ...(deps.now ? { now: deps.now } : {}) });
  const unavailable = (): KeyRefusal => {
    const retryAfterSeconds = keys.retryAfterSeconds();
    return {
      status: 503,
      reason: `The signing keys of ${iss} cannot be fetched; retry in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    };
  };
  /** The cached signing keys named `kid` (all of them without a kid), or a 503. */
  const named = async (kid: string | undefined): Promise<Jwk[] | KeyRefusal> => {
    try {
      return (await keys.get()).filter(
        (k) => (kid === undefined || k.kid === kid) && (k.use ?? 'sig') === 'sig',
      );
    } catch (e) {
      if (e instanceof SourceUnavailable) return unavailable();
      throw e;
    }
  };

  return {
    async keyFor(kid: string | undefined, alg: IssuerAlgorithm): Promise<KeyObject | KeyRefusal> {
      let found = await named(kid);
      if (!Array.isArray(found)) return found;
      if (!found.length && kid !== undefined) {
        // A key id the cache lacks: the issuer may have rotated. One refetch, within the rate limit.
        const outcome = await keys.refresh();
        if (outcome === 'failed') return unavailable();
        found = await named(kid);
        if (!Array.isArray(found)) return found;
        if (!found.length)
          return {
            status: 401,
            reason: `Unknown signing key ${quoted(kid)} of ${iss}${outcome === 'rate_limited' ? ' (keys fetched less than 30 s ago)' : ''}`,
          };
      }
      const usable = found.filter((k) => (k.alg ?? alg) === alg);
      const [jwk, ...more] = usable;
      if (!jwk || more.length)
        return {
          status: 401,
          reason:
            kid === undefined
              ? `The token names no key (kid) of ${iss}`
              : `Key ${quoted(kid)} of ${iss} is not an ${alg} key`,
        };
      if (!imported.has(jwk)) imported.set(jwk, publicKeyOf(jwk, alg));
      return (
        imported.get(jwk) ?? {
          status: 401,
          reason: `Key ${quoted(kid ?? '')} of ${iss} is not a usable ${alg} key`,
        }
      );
    },
  };
}

export type IssuerKeys = ReturnType<typeof issuerKeys>;
