import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../bin/cli.ts';
import { runCli } from '../../bin/cli.ts';
import { MAX_TTL_SECONDS, parseTtl } from '../../localstack/token.ts';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('parseTtl', () => {
  it.each([
    ['90s', 90],
    ['90', 90],
    ['15m', 900],
    ['1h', 3600],
    ['2d', 172_800],
  ])('%s is %i seconds', (raw, seconds) => expect(parseTtl(raw)).toBe(seconds));

  it.each(['', '0', '-1h', '1.5h', '1w', 'h', '8d'])('refuses %j', (raw) => {
    expect(() => parseTtl(raw)).toThrow(/--ttl/);
  });

  it('caps the lifetime at seven days', () => expect(parseTtl('7d')).toBe(MAX_TTL_SECONDS));
});

describe('tempora token usage errors', () => {
  it.each([
    [['--sub', 'u-1'], /--role must be one of user, admin, service/],
    [['--role', 'root', '--sub', 'u-1'], /--role must be one of/],
    [['--role', 'user'], /--sub must be/],
    [['--role', 'user', '--sub', 'u-1', '--ttl', 'soon'], /--ttl must be a duration/],
    [['--role', 'user', '--sub', 'u-1', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 and prints nothing on stdout', async (args, message) => {
    const io = capture();
    expect(await runCli(['token', ...args], io)).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(message);
  });

  it('--help prints the usage', async () => {
    const io = capture();
    expect(await runCli(['token', '--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/tempora token --role/);
  });

  it('refuses clearly when no local stack is up', async () => {
    const io = capture();
    const saved = process.env.TEMPORA_LOCAL_PORT;
    process.env.TEMPORA_LOCAL_PORT = '9'; // discard port: nothing answers there
    try {
      expect(await runCli(['token', '--role', 'user', '--sub', 'u-1'], io)).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TEMPORA_LOCAL_PORT;
      else process.env.TEMPORA_LOCAL_PORT = saved;
    }
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(
      /no local stack is up: nothing answers at http:\/\/127\.0\.0\.1:9\. Start it with "npm run local"/,
    );
  });
});
