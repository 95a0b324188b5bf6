/**
 * The local OIDC issuer (localstack/oidc.ts) from a test's side: tokens of any shape signed with its
 * keys or with keys it never published, its JWKS taken away and put back (the issuer's endpoint
 * answering 404, a fault from outside the code), and the `tempora` CLI as an operator runs it.
 */
import { createPublicKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { exportSPKI, SignJWT } from 'jose';
import { loadLocalConfig } from '../../../localstack/config.ts';
import {
  type IssuerKey,
  type IssuerTokenRequest,
  issuerBucket,
  mintIssuerToken,
  newIssuerKey,
  publishIssuer,
  requireIssuer,
} from '../../../localstack/oidc.ts';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { runCommand } from './process.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A token of the local issuer (its current signing key unless `key`), valid 10 minutes by default. */
export const idpToken = (req: Partial<IssuerTokenRequest> & { sub: string }): Promise<string> =>
  mintIssuerToken(requireIssuer(loadLocalConfig()), { ttlSeconds: 600, ...req });

export const issuerUrl = (): string => requireIssuer(loadLocalConfig()).issuer;

/**
 * Tokens of the local issuer every line must refuse with 401, by what is wrong with them: no
 * signature, an HMAC signed with the issuer's RSA public key, a kid it never published, expired,
 * `nbf` two minutes ahead, another audience, another issuer, claims changed after signing.
 */
export async function forgedIdpTokens(sub: string): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const iss = issuerUrl();
  const user = { sub, role: 'user' as const };
  const [header = '', , signature = ''] = (await idpToken(user)).split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const jwks = (await (await fetch(`${iss}/.well-known/jwks.json`)).json()) as {
    keys: Array<{ kid: string }>;
  };
  const jwk = jwks.keys.find((k) => k.kid === kid);
  const pem = await exportSPKI(createPublicKey({ key: jwk as never, format: 'jwk' }) as never);
  const claims = { iss, aud: 'tempora-local', sub, groups: ['admins'], exp: now + 600 };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return {
    'alg none': `${b64({ alg: 'none', kid })}.${b64(claims)}.`,
    'HS256 signed with the issuer’s public key': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(new TextEncoder().encode(pem)),
    'unknown kid': await idpToken({ ...user, key: await strangerKey() }),
    expired: await idpToken({ ...user, claims: { exp: now - 120 } }),
    'nbf 2 minutes ahead': await idpToken({ ...user, claims: { nbf: now + 120 } }),
    'wrong audience': await idpToken({ ...user, claims: { aud: 'someone-else' } }),
    'wrong issuer': await idpToken({ ...user, claims: { iss: `${iss}-other` } }),
    'claims changed after signing': `${header}.${b64(claims)}.${signature}`,
  };
}

/** A key the issuer never published (its tokens carry an unknown kid). */
export const strangerKey = (alg: IssuerKey['alg'] = 'RS256'): Promise<IssuerKey> => newIssuerKey(alg);

/** The issuer's JWKS document removed: its endpoint answers 404. */
export async function takeJwksDown(): Promise<void> {
  const cfg = loadLocalConfig();
  const s3 = new S3Client({ ...emulatorClientConfig(), forcePathStyle: true });
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: issuerBucket(cfg), Key: '.well-known/jwks.json' }));
  } finally {
    s3.destroy();
  }
}

/** The issuer's documents published again, as its state file says. */
export async function putJwksBack(): Promise<void> {
  const cfg = loadLocalConfig();
  await publishIssuer(cfg, requireIssuer(cfg));
}

/**
 * The issuer as it is now; the function it resolves to puts it back (its keys, published). A test
 * that rotates leaves the issuer as it found it: tokens minted before stay valid, and an API
 * Gateway JWT authorizer that cached its JWKS (MiniStack: 2 h, no refetch) keeps verifying them.
 */
export function keepIssuer(): () => Promise<void> {
  const cfg = loadLocalConfig();
  const saved = requireIssuer(cfg);
  return () => publishIssuer(cfg, saved);
}

/** `npx tempora <args>` in the repository, as an operator runs it. */
export const tempora = (...args: string[]) =>
  runCommand(process.execPath, ['bin/tempora.mjs', ...args], { cwd: root });
