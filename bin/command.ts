/**
 * What every `tempora` command shares (bin/cli.ts dispatches to them): strict option parsing
 * with `-h`/`--help`, the command's help text, and one meaning for each exit code:
 * 0 ok; 1 the work failed (no stack, the API refused, a message not sent); 2 the caller's
 * mistake, a usage error (the message, then the help) or input the command cannot use.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A mistake in the command line: exit 2, the message then the command's help on stderr. */
export class UsageError extends Error {}

/** Input the command cannot use (a location, a file, a bucket): exit 2, the message on stderr. */
export class InputError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` makes of a command line for `options`. */
export type ParsedArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: O }>
>;

export interface Command<O extends Options> {
  /** `tempora <name> …`: failure messages start with it and the subcommand. */
  name: string;
  help: string;
  /** Its options; `-h`/`--help` is added. */
  options: O;
  /** Whether it takes a subcommand or other words; then none, or `help`, prints the help. */
  positionals: boolean;
}

/** Parse `argv` for `cmd` and run it, answering help, usage errors and failures as above. */
export async function runCommand<const O extends Options>(
  cmd: Command<O>,
  argv: readonly string[],
  io: CliIo,
  run: (args: ParsedArgs<O>) => Promise<number>,
): Promise<number> {
  let args: ParsedArgs<O>;
  try {
    args = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: cmd.positionals,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
    }) as ParsedArgs<O>;
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${cmd.help}`);
    return 2;
  }
  const first = args.positionals[0];
  const help = (args.values as { help?: boolean }).help === true;
  if (help || (cmd.positionals && (first === undefined || first === 'help'))) {
    io.out(cmd.help);
    return 0;
  }
  try {
    return await run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${cmd.help}`);
      return 2;
    }
    if (!(e instanceof Error)) throw e;
    io.err(`tempora ${cmd.name}${first === undefined ? '' : ` ${first}`}: ${e.message}\n`);
    return e instanceof InputError ? 2 : 1;
  }
}
