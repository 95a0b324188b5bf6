/**
 * `tempora auth …`: the stack's token keys.
 *
 *   tempora auth status [--aws]                      which platform keys verify tokens now
 *   tempora auth rotate [--grace 12h] [--force] [--aws]
 *                                                    a new platform key; the old one stays valid for the grace window
 *   tempora auth rotate --issuer oidc [--alg RS256]  the local OIDC issuer signs with a new key (both published)
 *   tempora auth retire --issuer oidc                the local OIDC issuer unpublishes the keys it no longer signs with
 *
 * Exit codes: 0 ok, 1 failed (no stack, a rotation still in its grace window), 2 usage error.
 */
import { RotationInGrace } from '../lib/auth/platform-keys.ts';
import { ISSUER_ALGORITHMS, type IssuerAlgorithm } from '../lib/config/auth.ts';
import { loadLocalConfig } from '../localstack/config.ts';
import { retireIssuerKeys, rotateIssuer } from '../localstack/oidc.ts';
import {
  awsSecretStore,
  localSecretStore,
  rotateSigningKey,
  type SecretStore,
  signingKeys,
} from '../localstack/signing-key.ts';
import { parseDuration } from '../localstack/token.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const AUTH_HELP = `Usage: tempora auth status [--aws]
       tempora auth rotate [--grace 12h] [--force] [--aws]
       tempora auth rotate --issuer oidc [--alg RS256]
       tempora auth retire --issuer oidc

The keys that sign Tempora bearer tokens (docs/contract.md#key-rotation).

Commands:
  status    the platform's signing keys: the current one, and the previous one with the end
            of its grace window
  rotate    a new platform key signs from now on; the current one keeps verifying tokens
            until the grace window ends (default 12h: the lifetime of the dev tokens; choose
            at least the longest lifetime of the tokens you mint). Functions pick the new key
            up within 5 minutes, at once when a token names it. Refused while an earlier
            rotation's grace window runs, unless --force (which cuts off the oldest key).
            With --issuer oidc: the local OIDC issuer signs with a new key and publishes both.
  retire    --issuer oidc: the local issuer's JWKS keeps only the keys it signs with; tokens
            signed with the others are refused once a function refetches the JWKS.

Options:
  --grace <time>   rotate: how long the previous key stays valid: 90s, 15m, 12h, 2d (at most 30d)
  --force          rotate: even while an earlier rotation's grace window runs
  --aws            the stack on AWS (Tempora-$TEMPORA_ENV, AWS_REGION, your AWS credentials),
                   not the local one
  --issuer <name>  platform (default) or oidc (the local OIDC issuer)
  --alg <alg>      rotate --issuer oidc: RS256 (default), ES256 or EdDSA

Reads TEMPORA_LOCAL_PORT, AWS_ENDPOINT_URL, AWS_REGION and TEMPORA_ENV as "npm run local" does.
Exit codes: 0 ok, 1 failed, 2 usage error.
`;

const AUTH = {
  name: 'auth',
  help: AUTH_HELP,
  positionals: true,
  options: {
    grace: { type: 'string', default: '12h' },
    force: { type: 'boolean', default: false },
    aws: { type: 'boolean', default: false },
    issuer: { type: 'string', default: 'platform' },
    alg: { type: 'string', default: 'RS256' },
  },
} as const;

const when = (ms: number | undefined): string => (ms === undefined ? '—' : new Date(ms).toISOString());

export function runAuthCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(AUTH, argv, io, async ({ values, positionals }) => {
    const [command, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`auth ${command} takes no argument (got "${rest.join(' ')}").`);
    if (values.issuer !== 'platform' && values.issuer !== 'oidc')
      throw new UsageError('--issuer must be platform or oidc.');
    const cfg = loadLocalConfig();

    if (values.issuer === 'oidc') {
      if (values.aws) throw new UsageError('--issuer oidc is the local issuer: no --aws.');
      if (command === 'rotate') {
        const alg = values.alg as IssuerAlgorithm;
        if (!ISSUER_ALGORITHMS.includes(alg))
          throw new UsageError(`--alg must be one of ${ISSUER_ALGORITHMS.join(', ')}.`);
        const key = await rotateIssuer(cfg, alg);
        io.out(
          `local issuer: ${alg} tokens are signed with ${key.kid}; the previous key stays published until "tempora auth retire --issuer oidc"\n`,
        );
        return 0;
      }
      if (command === 'retire') {
        const retired = await retireIssuerKeys(cfg);
        io.out(
          retired.length
            ? `local issuer: unpublished ${retired.join(', ')}\n`
            : 'local issuer: no key to retire\n',
        );
        return 0;
      }
      throw new UsageError(`Unknown auth command "${command}" for --issuer oidc (rotate, retire).`);
    }

    const store: SecretStore = values.aws
      ? awsSecretStore(cfg.stackName, process.env.AWS_REGION)
      : localSecretStore(cfg);
    if (command === 'status') {
      const keys = await signingKeys(store);
      io.out(`current   ${keys.current.kid}\n`);
      const p = keys.previous;
      const valid = p?.validUntil !== undefined && p.validUntil > Date.now();
      io.out(
        p
          ? `previous  ${p.kid}  ${valid ? 'valid until' : 'retired at'} ${when(p.validUntil)}\n`
          : 'previous  —\n',
      );
      return 0;
    }
    if (command === 'rotate') {
      let grace: number;
      try {
        grace = parseDuration(values.grace, '--grace', 30);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      let keys: Awaited<ReturnType<typeof rotateSigningKey>>;
      try {
        keys = await rotateSigningKey(store, { graceSeconds: grace, force: values.force });
      } catch (e) {
        if (e instanceof RotationInGrace) throw new Error(`${e.message}; wait, or use --force`);
        throw e;
      }
      io.out(
        `rotated ${cfg.stackName}: tokens are signed with ${keys.current.kid}; ${keys.previous?.kid} stays valid until ${when(keys.previous?.validUntil)}\n`,
      );
      return 0;
    }
    if (command === 'retire')
      throw new UsageError(
        'retire is for --issuer oidc; the platform key retires at the end of its grace window.',
      );
    throw new UsageError(`Unknown auth command "${command}".`);
  });
}
