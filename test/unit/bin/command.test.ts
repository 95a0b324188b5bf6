import { describe, expect, it } from 'vitest';
import { type CliIo, InputError, runCommand, UsageError } from '../../../bin/command.ts';

const capture = (): CliIo & { stdout: string; stderr: string } => {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
};

const CMD = {
  name: 'demo',
  help: 'Usage: tempora demo <what> [--n <n>]\n',
  positionals: true,
  options: { n: { type: 'string' } },
} as const;

describe('runCommand (bin/command.ts)', () => {
  it('prints the help for -h, --help, no word and "help", without running', async () => {
    for (const argv of [['-h'], ['go', '--help'], [], ['help']]) {
      const io = capture();
      let ran = false;
      const code = await runCommand(CMD, argv, io, async () => {
        ran = true;
        return 0;
      });
      expect({ code, ran, stdout: io.stdout, stderr: io.stderr }).toEqual({
        code: 0,
        ran: false,
        stdout: CMD.help,
        stderr: '',
      });
    }
  });

  it('passes the parsed options and words to the command', async () => {
    const io = capture();
    const seen = await new Promise<unknown>((resolve) => {
      void runCommand(CMD, ['go', 'far', '--n', '3'], io, async (args) => {
        resolve({ values: { ...args.values }, positionals: args.positionals });
        return 0;
      });
    });
    expect(seen).toEqual({ values: { n: '3' }, positionals: ['go', 'far'] });
  });

  it('answers an unknown option and a UsageError with exit 2, the message, then the help', async () => {
    const unknown = capture();
    expect(await runCommand(CMD, ['go', '--bogus'], unknown, async () => 0)).toBe(2);
    expect(unknown.stderr).toMatch(/--bogus[\s\S]*Usage: tempora demo/);
    const usage = capture();
    const code = await runCommand(CMD, ['go'], usage, async () => {
      throw new UsageError('--n must be a number.');
    });
    expect(code).toBe(2);
    expect(usage.stderr).toBe(`--n must be a number.\n\n${CMD.help}`);
  });

  it('refuses words when the command takes none', async () => {
    const io = capture();
    expect(await runCommand({ ...CMD, positionals: false }, ['go'], io, async () => 0)).toBe(2);
    expect(io.stderr).toContain("Unexpected argument 'go'");
  });

  it('names the command and subcommand of a failure: exit 2 for bad input, 1 otherwise', async () => {
    const input = capture();
    expect(
      await runCommand(CMD, ['go'], input, async () => {
        throw new InputError('file:x.json: no such file');
      }),
    ).toBe(2);
    expect(input.stderr).toBe('tempora demo go: file:x.json: no such file\n');
    const failed = capture();
    expect(
      await runCommand(CMD, ['go'], failed, async () => {
        throw new Error('no local stack is up');
      }),
    ).toBe(1);
    expect(failed.stderr).toBe('tempora demo go: no local stack is up\n');
  });

  it('lets a thrown non-Error through', async () => {
    await expect(
      runCommand(CMD, ['go'], capture(), async () => {
        throw 'boom';
      }),
    ).rejects.toBe('boom');
  });
});
