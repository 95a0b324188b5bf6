/**
 * `tempora token --role <user|admin|service> --sub <id> [--ttl 1h]`: prints a dev token for the
 * local stack, and nothing else, on stdout; `--issuer oidc` mints from the local OIDC issuer the
 * stack trusts instead (localstack/oidc.ts). Exit codes: 0 ok, 1 no local stack, 2 usage.
 */
import { ISSUER_ALGORITHMS, type IssuerAlgorithm } from '../lib/config/auth.ts';
import { ROLES, type Role } from '../lib/registry/types.ts';
import { loadLocalConfig } from '../localstack/config.ts';
import { mintLocalOidcToken, mintLocalToken, parseTtl } from '../localstack/token.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const TOKEN_HELP = `Usage: tempora token --role <user|admin|service> --sub <id> [--ttl 1h]
       tempora token --issuer oidc --sub <id> [--role <role>] [--claim name=value]... [--alg RS256]

Prints a bearer token (only the token) for the local stack started by "npm run local".
Use it as: curl -H "authorization: Bearer $(npx tempora token --role user --sub u-42)" …

By default the token is the platform's own (HS256, signed with the stack's key, claim "role").
With --issuer oidc it comes from the local OpenID Connect issuer the dev stack trusts: RS256
(or --alg ES256 | EdDSA), audience "tempora-local", and the role as its group in the "groups"
claim (users → user, admins → admin, services → service), as an identity provider would send it.

Options:
  --issuer <name>      platform (default) or oidc
  --role <role>        user, admin or service (required for platform tokens)
  --sub <id>           the subject: the user id the token speaks for (required, 1-256 characters)
  --claim name=value   oidc only, repeatable: a claim to add or override (groups=admins,
                       aud=other); a value that parses as JSON is taken as JSON (groups='["a","b"]')
  --alg <alg>          oidc only: RS256 (default), ES256 or EdDSA
  --ttl <time>         lifetime: 90s, 15m, 1h (default), 2d; at most 7d

Reads TEMPORA_LOCAL_PORT, AWS_ENDPOINT_URL, AWS_REGION and TEMPORA_ENV as "npm run local" does.
Exit codes: 0 ok, 1 no local stack is up, 2 usage error.
`;

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

const TOKEN = {
  name: 'token',
  help: TOKEN_HELP,
  positionals: false,
  options: {
    issuer: { type: 'string', default: 'platform' },
    role: { type: 'string' },
    sub: { type: 'string' },
    claim: { type: 'string', multiple: true },
    alg: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
  },
} as const;

/** `name=value` pairs → claims (a value that parses as JSON is JSON). */
export function parseClaims(pairs: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--claim must be name=value, got "${pair}".`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    claims[pair.slice(0, at)] = value;
  }
  return claims;
}

export function runTokenCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(TOKEN, argv, io, async ({ values }) => {
    const oidc = values.issuer === 'oidc';
    if (!oidc && values.issuer !== 'platform') throw new UsageError('--issuer must be platform or oidc.');
    if (values.role !== undefined && !isRole(values.role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
    const role = values.role as Role | undefined;
    const sub = values.sub?.trim();
    if (!sub || sub.length > 256) throw new UsageError('--sub must be a subject id of 1 to 256 characters.');
    let ttl: number;
    try {
      ttl = parseTtl(values.ttl);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const cfg = loadLocalConfig();
    if (!oidc) {
      if (!role) throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
      if (values.claim || values.alg) throw new UsageError('--claim and --alg need --issuer oidc.');
      io.out(`${await mintLocalToken(cfg, { role, sub }, ttl)}\n`);
      return 0;
    }
    const alg = (values.alg ?? 'RS256') as IssuerAlgorithm;
    if (!ISSUER_ALGORITHMS.includes(alg))
      throw new UsageError(`--alg must be one of ${ISSUER_ALGORITHMS.join(', ')}.`);
    const claims = parseClaims(values.claim ?? []);
    const token = await mintLocalOidcToken(cfg, {
      sub,
      ...(role ? { role } : {}),
      claims,
      ttlSeconds: ttl,
      alg,
    });
    io.out(`${token}\n`);
    return 0;
  });
}
