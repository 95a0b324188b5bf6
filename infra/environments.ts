/**
 * Per-environment settings of `Tempora-<env>`, read at synth from the CDK context:
 *
 * ```jsonc
 * // cdk.json → "context"
 * "environments": {
 *   "prod": {
 *     "auth": {
 *       "hs256": false,
 *       "issuers": [{ "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
 *                     "audiences": ["3n4b5urk1ft4fl3mg5e62d9ado"], "algorithms": ["RS256"],
 *                     "role_claim": "cognito:groups", "role_map": { "admins": "admin", "players": "user" } }]
 *     }
 *   }
 * }
 * ```
 *
 * `auth.hs256` defaults to true on the ephemeral environments (dev, test, local, ci) and false on
 * every other one; `auth.issuers` to none. On a stack deployed by `npm run local`, the local OIDC
 * issuer (context `localIssuer`, its URL) is trusted too, with {@link LOCAL_ISSUER_TRUST}.
 * A stack that would trust no token at all is refused at synth.
 */
import * as z from 'zod/mini';
import { type AuthConfig, authConfigSchema, type TrustedIssuerInput } from '../lib/config/auth.ts';

/** Environments whose data is disposable (also: their tables are destroyed with the stack). */
export const EPHEMERAL_ENVS: ReadonlySet<string> = new Set(['dev', 'test', 'local', 'ci']);

/** How the dev stack trusts the local issuer (localstack/oidc.ts mints its tokens). */
export const LOCAL_ISSUER_TRUST = {
  audiences: ['tempora-local'],
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  role_claim: 'groups',
  role_map: { users: 'user', admins: 'admin', services: 'service' },
} as const satisfies Omit<TrustedIssuerInput, 'issuer'>;

export interface EnvironmentConfig {
  auth: AuthConfig;
}

/** The default auth settings of `environment` (what a stack built without settings uses). */
export const defaultAuth = (environment: string): AuthConfig => ({
  hs256: EPHEMERAL_ENVS.has(environment),
  issuers: [],
});

const environmentSchema = z.strictObject({ auth: z.optional(z.unknown()) });

/** A context value: an object from cdk.json, or a JSON string from `-c name=…`. */
function contextValue(raw: unknown, name: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new Error(`CDK context ${name} must be JSON`);
  }
}

/** The settings of `environment` from the context values `environments` and `localIssuer`. */
export function environmentConfig(
  environment: string,
  context: { environments?: unknown; localIssuer?: unknown },
): EnvironmentConfig {
  const all = contextValue(context.environments, 'environments') ?? {};
  if (typeof all !== 'object' || all === null || Array.isArray(all))
    throw new Error('CDK context environments must be an object keyed by environment');
  const own = environmentSchema.safeParse((all as Record<string, unknown>)[environment] ?? {});
  if (!own.success) throw new Error(`CDK context environments.${environment}: only "auth" is known`);
  const declared = (own.data.auth ?? {}) as Record<string, unknown>;
  const local =
    typeof context.localIssuer === 'string' ? [{ issuer: context.localIssuer, ...LOCAL_ISSUER_TRUST }] : [];
  const parsed = authConfigSchema.safeParse({
    hs256: declared.hs256 ?? defaultAuth(environment).hs256,
    issuers: [...((declared.issuers as unknown[] | undefined) ?? []), ...local],
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['auth', ...i.path].join('.')}: ${i.message}`);
    throw new Error(`CDK context environments.${environment}: ${issues.join('; ')}`);
  }
  if (!parsed.data.hs256 && parsed.data.issuers.length === 0)
    throw new Error(
      `Tempora-${environment} would accept no token: set environments.${environment}.auth.issuers (an OIDC provider) or auth.hs256: true in the CDK context (docs/contract.md#authentication)`,
    );
  return { auth: parsed.data };
}
