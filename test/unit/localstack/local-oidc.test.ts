/**
 * The local OIDC issuer of `npm run local` (localstack/oidc.ts): it publishes public keys only,
 * and the tokens `tempora token --issuer oidc` mints pass the dev stack's trust
 * (infra/config.ts LOCAL_ISSUER_TRUST) with the role of their group.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_ISSUER_TRUST } from '../../../infra/config.ts';
import { parsePlatformKeys } from '../../../lib/auth/platform-keys.ts';
import { refreshing } from '../../../lib/auth/refreshing.ts';
import { createVerifier } from '../../../lib/auth/verify.ts';
import { authConfigSchema } from '../../../lib/config/auth.ts';
import {
  groupOf,
  type IssuerState,
  issuerDocuments,
  mintIssuerToken,
  newIssuerKey,
} from '../../../localstack/oidc.ts';

const ISSUER = 'http://127.0.0.1:4566/tempora-dev-idp';

async function issuer(): Promise<IssuerState> {
  const keys = await Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map(newIssuerKey));
  return { issuer: ISSUER, signing: Object.fromEntries(keys.map((k) => [k.alg, k.kid])), keys };
}

describe('the local OIDC issuer', () => {
  it('publishes a discovery document naming itself and a JWKS of public keys only', async () => {
    const state = await issuer();
    const { discovery, jwks } = issuerDocuments(state);
    expect(discovery).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
    expect(jwks.keys.map((k) => k.kid)).toEqual(state.keys.map((k) => k.kid));
    for (const k of jwks.keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(k).not.toHaveProperty(secret);
      expect(k).toMatchObject({ use: 'sig' });
    }
    for (const k of state.keys) expect(k.private).toHaveProperty('d');
  });

  it('mints tokens the dev stack’s trust accepts, with the role of their group', async () => {
    const state = await issuer();
    const { jwks, discovery } = issuerDocuments(state);
    const verify = createVerifier({
      config: authConfigSchema.parse({ hs256: false, issuers: [{ issuer: ISSUER, ...LOCAL_ISSUER_TRUST }] }),
      platformKeys: refreshing(async () => parsePlatformKeys('x'.repeat(32)), {
        maxAgeMs: 1,
        cooldownMs: 1,
        retryMs: 1,
      }),
      jwks: { fetchJson: async (url) => (url.endsWith('openid-configuration') ? discovery : jwks) },
    });
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const)
      for (const role of ['user', 'admin', 'service'] as const) {
        const r = await verify(await mintIssuerToken(state, { sub: 'u-42', role, ttlSeconds: 60, alg }));
        expect(r.ok && r.principal).toMatchObject({ sub: 'u-42', role, issuer: ISSUER });
      }
    const admin = await verify(
      await mintIssuerToken(state, { sub: 'ops', ttlSeconds: 60, claims: { groups: 'admins' } }),
    );
    expect(admin.ok && admin.principal.role).toBe('admin');
    const none = await verify(await mintIssuerToken(state, { sub: 'g', ttlSeconds: 60 }));
    expect(none.ok || none.refusal.status).toBe(403);
  });

  it('gives each role its group', () => {
    expect([groupOf('user'), groupOf('admin'), groupOf('service')]).toEqual(['users', 'admins', 'services']);
  });
});
