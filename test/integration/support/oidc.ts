/**
 * The local OIDC issuer (localstack/oidc.ts) from a test's side: tokens of any shape signed with its
 * keys or with keys it never published, its JWKS taken away and put back (the issuer's endpoint
 * answering 404, a fault from outside the code), and the `tempora` CLI as an operator runs it.
 */
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
