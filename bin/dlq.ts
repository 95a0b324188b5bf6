/**
 * `tempora dlq list [--json]` and `tempora dlq redrive <name> [--max N]`: the dead-letter queues
 * of the local stack (localstack/dead-letters.ts). Exit codes: 0 ok, 1 no local stack or a
 * message could not be sent back, 2 usage error or unknown queue.
 */
import { loadLocalConfig } from '../localstack/config.ts';
import { findQueue, listDeadLetters, redrive } from '../localstack/dead-letters.ts';
import { probeHealth } from '../localstack/emulator.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const DLQ_HELP = `Usage: tempora dlq list [--json]
       tempora dlq redrive <name> [--max <n>]

Dead-letter queues of the local stack started by "npm run local".

Commands:
  list             every dead-letter queue: its name, the messages waiting, what feeds it
  redrive <name>   send the queue's messages back to the function that dead-lettered them
                   (an asynchronous invoke of the original event: retried, and dead-lettered
                   again if it still fails), deleting each once it is sent

Options:
  --json           list: machine-readable output
  --max <n>        redrive: at most n messages
  -h, --help       this text

Reads TEMPORA_LOCAL_PORT, AWS_ENDPOINT_URL, AWS_REGION and TEMPORA_ENV as "npm run local" does.
Exit codes: 0 ok, 1 no local stack is up or a message could not be sent back, 2 usage error.
`;

const DLQ = {
  name: 'dlq',
  help: DLQ_HELP,
  positionals: true,
  options: {
    json: { type: 'boolean', default: false },
    max: { type: 'string' },
  },
} as const;

export function runDlqCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(DLQ, argv, io, async ({ values, positionals }) => {
    const [command, ...rest] = positionals;
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 1))
      throw new UsageError(`--max must be a positive integer, got "${values.max}".`);
    if (command === 'list' && rest.length > 0) throw new UsageError('dlq list takes no argument.');
    if (command === 'redrive' && rest.length !== 1)
      throw new UsageError('dlq redrive takes exactly one queue name.');
    if (command !== 'list' && command !== 'redrive')
      throw new UsageError(`Unknown dlq command "${command}".`);

    const cfg = loadLocalConfig();
    if (!(await probeHealth(cfg.endpoint)))
      throw new Error(
        `no local stack is up: nothing answers at ${cfg.endpoint}. Start it with "npm run local".`,
      );
    const queues = await listDeadLetters(cfg.endpoint, cfg.region, cfg.stackName);
    if (command === 'list') {
      if (values.json) {
        io.out(`${JSON.stringify(queues, null, 2)}\n`);
        return 0;
      }
      const width = Math.max(4, ...queues.map((q) => q.name.length));
      io.out(`${'NAME'.padEnd(width)}  WAITING  IN FLIGHT  FEEDS\n`);
      for (const q of queues) {
        const feeds = q.sources.map((s) => `${s.kind} ${s.functionName}`).join(', ') || '—';
        io.out(
          `${q.name.padEnd(width)}  ${String(q.depth).padStart(7)}  ${String(q.inFlight).padStart(9)}  ${feeds}\n`,
        );
      }
      return 0;
    }
    const name = rest[0] as string;
    if (!findQueue(queues, name))
      throw new UsageError(`No dead-letter queue "${name}" (have: ${queues.map((q) => q.name).join(', ')}).`);
    const r = await redrive(cfg.endpoint, cfg.region, cfg.stackName, name, max === undefined ? {} : { max });
    io.out(`redriven ${r.redriven} dead letter(s) of ${r.queue} to ${r.functionName}\n`);
    for (const f of r.failed) io.err(`not sent back: message ${f.messageId}: ${f.reason}\n`);
    return r.failed.length === 0 ? 0 : 1;
  });
}
