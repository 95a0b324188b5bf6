import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../bin/cli.ts';
import { runCli } from '../../../bin/cli.ts';
import { parseClaims } from '../../../bin/token.ts';
import { MAX_TTL_SECONDS, parseTtl } from '../../../localstack/token.ts';

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

describe('--claim name=value', () => {
  it('takes a value that parses as JSON as JSON, anything else as a string', () => {
    expect(
      parseClaims(['groups=admins', 'roles=["a","b"]', 'n=3', 'url=https://x.example/a=b', 'empty=']),
    ).toEqual({
      groups: 'admins',
      roles: ['a', 'b'],
      n: 3,
      url: 'https://x.example/a=b',
      empty: '',
    });
  });
});

describe('tempora auth usage errors', () => {
  it.each([
    [['frobnicate'], /Unknown auth command "frobnicate"/],
    [['rotate', '--grace', 'forever'], /--grace must be a duration/],
    [['rotate', '--grace', '31d'], /--grace must be at most 30d/],
    [['retire'], /retire is for --issuer oidc/],
    [['rotate', '--issuer', 'oidc', '--alg', 'PS256'], /--alg must be one of/],
    [['rotate', '--issuer', 'oidc', '--aws'], /no --aws/],
    [['status', 'now'], /takes no argument/],
  ])('%j exits 2 with the reason and the help', async (args, message) => {
    const io = capture();
    expect(await runCli(['auth', ...args], io)).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(message);
    expect(io.stderr()).toMatch(/Usage: tempora auth status/);
  });

  it('refuses clearly when no local stack is up', async () => {
    const io = capture();
    const saved = process.env.TEMPORA_LOCAL_PORT;
    process.env.TEMPORA_LOCAL_PORT = '9';
    try {
      expect(await runCli(['auth', 'status'], io)).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TEMPORA_LOCAL_PORT;
      else process.env.TEMPORA_LOCAL_PORT = saved;
    }
    expect(io.stderr()).toMatch(/^tempora auth status: no local stack is up/);
  });
});

describe('tempora token usage errors', () => {
  it.each([
    [['--sub', 'u-1'], /--role must be one of user, admin, service/],
    [['--role', 'root', '--sub', 'u-1'], /--role must be one of/],
    [['--role', 'user'], /--sub must be/],
    [['--role', 'user', '--sub', 'u-1', '--ttl', 'soon'], /--ttl must be a duration/],
    [['--role', 'user', '--sub', 'u-1', '--bogus'], /Unknown option '--bogus'/],
    [['--issuer', 'okta', '--sub', 'u-1'], /--issuer must be platform or oidc/],
    [['--role', 'user', '--sub', 'u-1', '--claim', 'groups=admins'], /--claim and --alg need --issuer oidc/],
    [['--issuer', 'oidc', '--sub', 'u-1', '--alg', 'HS256'], /--alg must be one of RS256, ES256, EdDSA/],
    [['--issuer', 'oidc', '--sub', 'u-1', '--claim', 'groups'], /--claim must be name=value/],
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
