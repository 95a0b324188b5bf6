/**
 * The local OpenID Connect issuer of `npm run local`: a static issuer, as identity providers are
 * published for workload identity (IRSA and the like): its discovery document and JWKS are two
 * objects in the emulator's own S3 (bucket `tempora-<env>-idp`, served at
 * `<endpoint>/tempora-<env>-idp/.well-known/…`), its private keys are in `.local/oidc-<env>.json`,
 * and `tempora token --issuer oidc` signs its tokens with jose. Nothing runs beside the emulator,
 * no port is taken, and it lives and dies with the emulator's state.
 *
 * Why not the emulator's Cognito user pool: its tokens always carry a generated `sub`, no claim of
 * our choosing (no `--claim`), RS256 only, one key that never rotates, and an `iss` on
 * amazonaws.com; the flows here need any subject and group, three algorithms and key rotation.
 *
 * The dev stack trusts it as infra/config.ts `LOCAL_ISSUER_TRUST` says: audience
 * `tempora-local`, groups claim `groups` (`users` → user, `admins` → admin, `services` → service).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { LOCAL_ISSUER_TRUST } from '../infra/config.ts';
import type { IssuerAlgorithm } from '../lib/config/auth.ts';
import type { Role } from '../lib/registry/types.ts';
import { LOCAL_CREDENTIALS, type LocalConfig } from './config.ts';
import { LocalError } from './progress.ts';

export const LOCAL_ALGORITHMS = LOCAL_ISSUER_TRUST.algorithms;

/** One key of the local issuer. */
export interface IssuerKey {
  kid: string;
  alg: IssuerAlgorithm;
  /** Private JWK (signing). */
  private: JWK;
  /** Public JWK, as published in the JWKS. */
  public: JWK;
}

/** What `.local/oidc-<env>.json` holds. */
export interface IssuerState {
  issuer: string;
  /** The key tokens are signed with, per algorithm (by kid). */
  signing: Partial<Record<IssuerAlgorithm, string>>;
  /** Every key published in the JWKS (the signing ones and those kept during a rotation). */
  keys: IssuerKey[];
}

export const issuerBucket = (cfg: LocalConfig): string => `tempora-${cfg.environment}-idp`;
export const localIssuerUrl = (cfg: LocalConfig, endpoint: string = cfg.endpoint): string =>
  `${endpoint}/${issuerBucket(cfg)}`;
const stateFile = (cfg: LocalConfig): string => join(cfg.paths.localDir, `oidc-${cfg.environment}.json`);

/** A new key pair for `alg`, with a kid naming its algorithm and creation time. */
export async function newIssuerKey(alg: IssuerAlgorithm): Promise<IssuerKey> {
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const kid = `${alg.toLowerCase()}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const pub = await exportJWK(pair.publicKey);
  return {
    kid,
    alg,
    private: { ...(await exportJWK(pair.privateKey)), kid, alg },
    public: { ...pub, kid, alg, use: 'sig' },
  };
}

/** The issuer's state file, or null when `npm run local` has not made one. */
export function readIssuerState(cfg: LocalConfig): IssuerState | null {
  const file = stateFile(cfg);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as IssuerState;
}

/** The discovery document and the JWKS, as published. */
export function issuerDocuments(state: IssuerState): { discovery: object; jwks: { keys: JWK[] } } {
  return {
    discovery: {
      issuer: state.issuer,
      jwks_uri: `${state.issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: [...LOCAL_ALGORITHMS],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
    },
    jwks: { keys: state.keys.map((k) => k.public) },
  };
}

/** Writes the state file and publishes both documents in the emulator's S3 (creating the bucket). */
export async function publishIssuer(
  cfg: LocalConfig,
  state: IssuerState,
  endpoint: string = cfg.endpoint,
): Promise<void> {
  mkdirSync(dirname(stateFile(cfg)), { recursive: true });
  writeFileSync(stateFile(cfg), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  const s3 = new S3Client({
    endpoint,
    region: cfg.region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    const Bucket = issuerBucket(cfg);
    try {
      await s3.send(new CreateBucketCommand({ Bucket }));
    } catch (e) {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test((e as Error).name)) throw e;
    }
    const docs = issuerDocuments(state);
    for (const [Key, body] of [
      ['.well-known/openid-configuration', docs.discovery],
      ['.well-known/jwks.json', docs.jwks],
    ] as const)
      await s3.send(
        new PutObjectCommand({ Bucket, Key, Body: JSON.stringify(body), ContentType: 'application/json' }),
      );
  } finally {
    s3.destroy();
  }
}

/**
 * The local issuer at `endpoint`, published: its keys are made on first use (one per algorithm)
 * and kept in `.local/`, its documents are written again (the emulator may have been reset).
 */
export async function ensureLocalIssuer(
  cfg: LocalConfig,
  endpoint: string = cfg.endpoint,
): Promise<IssuerState> {
  const issuer = localIssuerUrl(cfg, endpoint);
  let state = readIssuerState(cfg);
  if (!state || LOCAL_ALGORITHMS.some((a) => !state?.signing[a])) {
    const keys = await Promise.all(LOCAL_ALGORITHMS.map(newIssuerKey));
    state = { issuer, signing: Object.fromEntries(keys.map((k) => [k.alg, k.kid])), keys };
  }
  state = { ...state, issuer };
  await publishIssuer(cfg, state, endpoint);
  return state;
}

/** The signing key of `alg`. */
export function signingKeyOf(state: IssuerState, alg: IssuerAlgorithm = 'RS256'): IssuerKey {
  const key = state.keys.find((k) => k.kid === state.signing[alg]);
  if (!key) throw new LocalError(`the local issuer has no ${alg} signing key: run "npm run local"`);
  return key;
}

/** The group the local issuer gives a role (the inverse of its role map). */
export function groupOf(role: Role): string {
  const group = Object.entries(LOCAL_ISSUER_TRUST.role_map).find(([, r]) => r === role)?.[0];
  if (!group) throw new Error(`no group maps to ${role}`);
  return group;
}

export interface IssuerTokenRequest {
  sub: string;
  /** Adds the group that maps to this role (`groups: ["users"]` for user). */
  role?: Role;
  /** Extra or overriding claims (`groups`, `aud`, `exp`, …). */
  claims?: Record<string, unknown>;
  ttlSeconds: number;
  /** The signing key of this algorithm (default RS256) signs, unless `key` is given. */
  alg?: IssuerAlgorithm;
  /** The key to sign with. */
  key?: IssuerKey;
  /** Header parameters to override (`kid`, `alg`): for forged-token tests. */
  header?: Record<string, unknown>;
}

/** A token of the local issuer. */
export async function mintIssuerToken(state: IssuerState, req: IssuerTokenRequest): Promise<string> {
  const key = req.key ?? signingKeyOf(state, req.alg);
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: state.issuer,
    aud: LOCAL_ISSUER_TRUST.audiences[0],
    sub: req.sub,
    iat: now,
    exp: now + req.ttlSeconds,
    ...(req.role ? { groups: [groupOf(req.role)] } : {}),
    ...req.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...req.header })
    .sign(await importJWK(key.private, key.alg));
}

/** A new signing key for `alg`; the previous one stays in the JWKS until {@link retireIssuerKeys}. */
export async function rotateIssuer(cfg: LocalConfig, alg: IssuerAlgorithm = 'RS256'): Promise<IssuerKey> {
  const state = requireIssuer(cfg);
  const key = await newIssuerKey(alg);
  await publishIssuer(cfg, {
    ...state,
    signing: { ...state.signing, [alg]: key.kid },
    keys: [...state.keys, key],
  });
  return key;
}

/** Unpublishes every key that signs nothing any more; returns their kids. */
export async function retireIssuerKeys(cfg: LocalConfig): Promise<string[]> {
  const state = requireIssuer(cfg);
  const signing = new Set(Object.values(state.signing));
  const retired = state.keys.filter((k) => !signing.has(k.kid)).map((k) => k.kid);
  await publishIssuer(cfg, { ...state, keys: state.keys.filter((k) => signing.has(k.kid)) });
  return retired;
}

export function requireIssuer(cfg: LocalConfig): IssuerState {
  const state = readIssuerState(cfg);
  if (!state) throw new LocalError('the local OIDC issuer is not set up: run "npm run local"');
  return state;
}
