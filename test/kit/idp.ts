/**
 * A fake OpenID Connect identity provider for unit tests: keys per algorithm (jose), its discovery
 * document and JWKS served by a counting `fetchJson` stub that can be taken down, tokens minted with
 * any header and claims, and verifiers (lib/auth/verify.ts) wired to it on a settable clock.
 */
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { parsePlatformKeys } from '../../lib/auth/platform-keys.ts';
import { refreshing } from '../../lib/auth/refreshing.ts';
import { createVerifier, type Verifier } from '../../lib/auth/verify.ts';
import type { AuthConfig, IssuerAlgorithm, TrustedIssuerInput } from '../../lib/config/auth.ts';
import { authConfigSchema } from '../../lib/config/auth.ts';

export const IDP = 'https://idp.example.com/tenant-1';
export const PLATFORM_SECRET = 'unit-test-signing-secret-0123456789abcdef';

export interface KitKey {
  kid: string;
  alg: IssuerAlgorithm;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function kitKey(
  alg: IssuerAlgorithm,
  kid: string = `${alg}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<KitKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** The issuer trust the tests use: groups → roles, audience `tempora-test`. */
export const trust = (extra: Partial<TrustedIssuerInput> = {}): TrustedIssuerInput => ({
  issuer: IDP,
  audiences: ['tempora-test'],
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  role_claim: 'groups',
  role_map: { players: 'user', admins: 'admin', robots: 'service' },
  ...extra,
});

let sharedKeys: Promise<KitKey[]> | undefined;

export class FakeIdp {
  /** Keys published in the JWKS. */
  published: KitKey[] = [];
  /** URLs fetched, in order. */
  readonly fetched: string[] = [];
  down = false;
  /** The `issuer` its discovery document names (default: its own). */
  discoveryIssuer: string | undefined;
  /** The test clock (epoch ms) every verifier of this kit reads. */
  nowMs = Date.now();

  constructor(readonly issuer: string = IDP) {}

  /** An issuer publishing one key per algorithm (made once per test file: RSA keys are slow to make). */
  static async start(): Promise<FakeIdp> {
    const idp = new FakeIdp();
    sharedKeys ??= Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map((a) => kitKey(a)));
    idp.published = await sharedKeys;
    return idp;
  }

  key(alg: IssuerAlgorithm = 'RS256'): KitKey {
    const k = this.published.find((p) => p.alg === alg);
    if (!k) throw new Error(`no published ${alg} key`);
    return k;
  }

  /** The `fetchJson` a verifier is given: serves discovery and JWKS, counts, fails while `down`. */
  readonly fetchJson = async (url: string): Promise<unknown> => {
    this.fetched.push(url);
    if (this.down) throw new Error('connect ECONNREFUSED');
    if (url === `${this.issuer}/.well-known/openid-configuration`)
      return { issuer: this.discoveryIssuer ?? this.issuer, jwks_uri: `${this.issuer}/jwks` };
    if (url === `${this.issuer}/jwks`) return { keys: this.published.map((k) => k.jwk) };
    throw new Error(`404 ${url}`);
  };

  jwksFetches(): number {
    return this.fetched.filter((u) => u.endsWith('/jwks')).length;
  }

  /** A token: `iss`, `aud`, `sub`, `groups` and a 1 h lifetime by default; `claims` override, `header` too. */
  async mint(
    claims: Record<string, unknown> = {},
    opts: { key?: KitKey; header?: Record<string, unknown> } = {},
  ): Promise<string> {
    const key = opts.key ?? this.key();
    const now = Math.floor(this.nowMs / 1000);
    return new SignJWT({
      iss: this.issuer,
      aud: 'tempora-test',
      sub: 'u-42',
      groups: ['players'],
      iat: now,
      exp: now + 3600,
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...opts.header })
      .sign(key.privateKey);
  }

  /** A verifier trusting this issuer (and, with `hs256`, the platform key `secret`). */
  verifier(opts: { hs256?: boolean; secret?: string; issuers?: TrustedIssuerInput[] } = {}): Verifier {
    const config: AuthConfig = authConfigSchema.parse({
      hs256: opts.hs256 ?? true,
      issuers: opts.issuers ?? [trust({ issuer: this.issuer })],
    });
    const secret = opts.secret ?? PLATFORM_SECRET;
    return createVerifier({
      config,
      platformKeys: refreshing(async () => parsePlatformKeys(secret), {
        maxAgeMs: 300_000,
        cooldownMs: 10_000,
        retryMs: 2_000,
      }),
      jwks: { fetchJson: this.fetchJson },
      now: () => this.nowMs,
    });
  }
}

/** base64url of a JSON value (hand-built tokens). */
export const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
