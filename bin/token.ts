/**
 * `tempora token --role <user|admin|service> --sub <id> [--ttl 1h]`: prints a dev token for
 * the local stack, and nothing else, on stdout. Exit codes: 0 ok, 1 no local stack, 2 usage.
 */
import { loadLocalConfig } from '../localstack/config.ts';
import { mintLocalToken, parseTtl } from '../localstack/token.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const TOKEN_HELP = `Usage: tempora token --role <user|admin|service> --sub <id> [--ttl 1h]

Prints a bearer token (only the token) for the local stack started by "npm run local",
signed with that stack's key. Use it as: curl -H "authorization: Bearer $(npx tempora token --role user --sub u-42)" …

Options:
  --role <role>   user, admin or service (required)
  --sub <id>      the subject: the user id the token speaks for (required, 1-256 characters)
  --ttl <time>    lifetime: 90s, 15m, 1h (default), 2d; at most 7d

Reads TEMPORA_LOCAL_PORT, AWS_ENDPOINT_URL, AWS_REGION and TEMPORA_ENV as "npm run local" does.
Exit codes: 0 ok, 1 no local stack is up, 2 usage error.
`;

const ROLES = ['user', 'admin', 'service'] as const;
type Role = (typeof ROLES)[number];
const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

const TOKEN = {
  name: 'token',
  help: TOKEN_HELP,
  positionals: false,
  options: {
    role: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
  },
} as const;

export function runTokenCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(TOKEN, argv, io, async ({ values }) => {
    if (!values.role || !isRole(values.role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
    const sub = values.sub?.trim();
    if (!sub || sub.length > 256) throw new UsageError('--sub must be a subject id of 1 to 256 characters.');
    let ttl: number;
    try {
      ttl = parseTtl(values.ttl);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const token = await mintLocalToken(loadLocalConfig(), { role: values.role, sub }, ttl);
    io.out(`${token}\n`);
    return 0;
  });
}
