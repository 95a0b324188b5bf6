/**
 * Who a stack trusts to sign bearer tokens (the per-environment `auth` settings; infra puts them in
 * every function that verifies tokens as `TEMPORA_AUTH`, and lib/auth applies them):
 *
 * - `hs256`: whether tokens signed with the stack's own key (issuer `tempora`) are accepted;
 * - `issuers`: the OpenID Connect providers whose tokens are accepted, each with its audiences,
 *   algorithms, where its keys are (`jwks_uri`, default: the issuer's discovery document), the
 *   claim that carries the caller's groups or roles and how its values map to Tempora roles.
 *
 * Declarations only (base layer): zod/mini schemas shared by infra (validated at synth) and lib.
 */
import * as z from 'zod/mini';

/** Caller roles a token carries (the one list: tokens, envelopes, policy keys and routes use it). */
export const ROLES = ['user', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Algorithms a trusted issuer may sign with: RSA, ECDSA P-256 and Ed25519 (never `none`, never HMAC). */
export const ISSUER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IssuerAlgorithm = (typeof ISSUER_ALGORITHMS)[number];

/** The platform's own issuer (HS256 tokens signed with the stack's key). */
export const PLATFORM_ISSUER = 'tempora';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An https URL (http only on a loopback host: a local issuer), without a query or fragment. */
const issuerUrl = z.string().check(
  z.refine((raw) => {
    try {
      const u = new URL(raw);
      const secure = u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
      return secure && u.search === '' && u.hash === '';
    } catch {
      return false;
    }
  }, 'must be an https URL (http only for a loopback host), without query or fragment'),
);
const claimName = z.string().check(z.minLength(1), z.maxLength(128));

export const trustedIssuerSchema = z.strictObject({
  /** The `iss` claim, exactly; discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: issuerUrl,
  /** Accepted `aud` values (or `client_id` when a token has no `aud`, as Cognito access tokens). */
  audiences: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  jwks_uri: z.optional(issuerUrl),
  algorithms: z._default(z.array(z.enum(ISSUER_ALGORITHMS)).check(z.minLength(1)), ['RS256']),
  /** The claim holding the caller's groups or roles: a top-level name (`cognito:groups`) or a dotted path (`realm_access.roles`). */
  role_claim: claimName,
  /** Identity-provider value → Tempora role. A token none of whose values is listed gets 403. */
  role_map: z
    .record(z.string().check(z.minLength(1)), z.enum(ROLES))
    .check(z.refine((m) => Object.keys(m).length > 0, 'must map at least one value')),
  subject_claim: z._default(claimName, 'sub'),
  /**
   * Prepended to the subject (`okta|`): subjects are owner ids and audit actors across the whole
   * stack, so issuers whose subjects could collide (with each other, or with the platform's own
   * tokens) each get their own prefix.
   */
  subject_prefix: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type TrustedIssuer = z.output<typeof trustedIssuerSchema>;
/** A trusted issuer as written in configuration (defaults may be left out). */
export type TrustedIssuerInput = z.input<typeof trustedIssuerSchema>;

export const authConfigSchema = z
  .strictObject({
    hs256: z.boolean(),
    issuers: z._default(z.array(trustedIssuerSchema), []),
  })
  .check(
    z.refine(
      (c) => new Set(c.issuers.map((i) => i.issuer)).size === c.issuers.length,
      'each issuer may be listed once',
    ),
  );
export type AuthConfig = z.output<typeof authConfigSchema>;
export type AuthConfigInput = z.input<typeof authConfigSchema>;
