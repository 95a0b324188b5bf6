/**
 * The `tempora` CLI: a few runs as a child process through bin/tempora.mjs (what
 * `npx tempora` executes), the rest in-process through `runCli`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type CliIo, HELP, runCli, TOP_HELP } from '../../../bin/cli.ts';
import { allServices, buildGraph } from '../../../lib/amadeus/index.ts';

const BIN = fileURLToPath(new URL('../../../bin/tempora.mjs', import.meta.url));
/** What the CLI reads: the registry (plus the platform services once the registry defines them). */
const KNOWN = allServices()
  .map((s) => s.name)
  .sort();

/** Run bin/tempora.mjs; resolves with the exit code and outputs (non-zero exits included). */
async function tempora(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Run the CLI in-process, capturing its output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('bin/tempora.mjs (child process)', { timeout: 30_000 }, () => {
  it('kg impact campaign --json prints the impact report', async () => {
    const r = await tempora('kg', 'impact', 'campaign', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ service: 'campaign', cycles_truncated: false });
    expect(report.direct_dependents).toContain('security');
    expect(report.direct_dependencies).toEqual(['notification', 'user']);
    expect(report.cycles).toContainEqual(['campaign', 'user', 'security']);
  });

  it('kg check exits 0 on the live registry', async () => {
    const r = await tempora('kg', 'check');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Registry consistent: ${KNOWN.length} services, .*, every cycle declared\\.\\n$`),
    );
  });

  it('kg impact nope exits 2 naming the known services', async () => {
    const r = await tempora('kg', 'impact', 'nope');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Unknown service "nope". Known services: ${KNOWN.join(', ')}\n`);
  });
});

describe('bin/tempora.mjs in a pipe', { timeout: 30_000 }, () => {
  it('ends with 0 and no crash when its reader stops early (`| head`)', async () => {
    const child = spawn(process.execPath, [BIN, 'kg', 'cycles'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the first line: every write meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('runCli (in-process)', () => {
  it('prints help for help, kg, kg help and -h', async () => {
    for (const args of [['kg'], ['kg', 'help'], ['kg', 'impact', '-h']]) {
      const r = await run(...args);
      expect(r).toEqual({ code: 0, stdout: HELP, stderr: '' });
    }
  });

  it('alone, or with help, lists every top-level command with one line', async () => {
    for (const args of [[], ['help'], ['--help']]) {
      const r = await run(...args);
      expect(r).toEqual({ code: 0, stdout: TOP_HELP, stderr: '' });
    }
    for (const command of ['kg', 'campaign', 'token', 'records', 'dlq', 'console'])
      expect(TOP_HELP).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(TOP_HELP).not.toContain('impact <name>');
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['nope'],
      ['kg', 'nope'],
      ['kg', 'impact'],
      ['kg', 'graph', 'extra'],
      ['kg', 'graph', '--bogus'],
      ['console', 'nope'],
      ['console', 'screenshot', 'graph'],
      ['console', 'screenshot', '#/graph', '--role', 'root'],
      ['console', 'screenshot', '#/graph', '--wait', '0'],
    ]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: tempora ');
    }
  });

  it('kg graph prints a summary, and the whole graph with --json', async () => {
    const human = await run('kg', 'graph');
    expect(human.stdout).toMatch(/^Knowledge graph [0-9a-f]{12} \(format 1, generated /);
    expect(human.stdout).toContain('campaign      depends on: notification, user');
    const json = JSON.parse((await run('kg', 'graph', '--json')).stdout);
    expect(json.hash).toBe(buildGraph(allServices()).hash);
    expect(Object.keys(json.services)).toEqual(KNOWN);
  });

  it('kg service prints one service', async () => {
    const r = await run('kg', 'service', 'security');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Service security\n');
    expect(r.stdout).toContain('  collection          /api/security/audits\n');
    expect(r.stdout).toContain('GET /api/policies');
    const json = JSON.parse((await run('kg', 'service', 'user', '--json')).stdout);
    expect(json).toMatchObject({ name: 'user', table: 'service_user_master' });
    expect(json.dependents).toEqual(expect.arrayContaining(['campaign', 'security', 'talent']));
    const unknown = await run('kg', 'service', 'nope', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: {
        code: 'not_found',
        message: expect.stringContaining('Known services'),
        details: { service: 'nope', known: KNOWN },
      },
    });
  });

  it('kg diagram prints Mermaid, focused on request', async () => {
    const full = await run('kg', 'diagram');
    expect(full.stdout.startsWith('graph LR\n')).toBe(true);
    const focus = (await run('kg', 'diagram', '--focus', 'talent', '--deps-only')).stdout;
    expect(focus.startsWith('graph LR\n')).toBe(true);
    expect(focus).toContain('  svc_security -->|depends on| svc_talent\n');
    expect(focus).toContain('  svc_talent -->|depends on| svc_user\n');
    expect(focus).toContain('  class svc_talent focus\n');
    expect(focus).not.toContain('svc_campaign');
    expect(focus).not.toContain('-.->');
    expect((await run('kg', 'diagram', '--focus', 'nope')).code).toBe(2);
  });

  it('kg cycles lists every cycle as declared', async () => {
    const r = await run('kg', 'cycles', '--json');
    const json = JSON.parse(r.stdout);
    expect(json.cycles.length).toBeGreaterThan(0);
    expect(json.cycles.every((c: { declared: boolean }) => c.declared)).toBe(true);
    expect((await run('kg', 'cycles')).stdout).toContain('declared    content → search → content');
  });

  it('kg diff compares a saved graph with the registry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tempora-kg-'));
    const saved = join(dir, 'graph.json');
    const old = allServices().map((s) =>
      s.name === 'talent' ? { ...s, dependencies: ['user', 'commerce'] } : s,
    );
    await writeFile(saved, JSON.stringify(buildGraph(old)));
    const r = await run('kg', 'diff', saved);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  talent\n    dependencies: -commerce\n');
    const json = JSON.parse((await run('kg', 'diff', saved, '--json')).stdout);
    expect(json.changed).toEqual([
      { service: 'talent', fields: { dependencies: { added: [], removed: ['commerce'] } } },
    ]);
    await writeFile(saved, JSON.stringify(buildGraph(allServices())));
    expect((await run('kg', 'diff', saved)).stdout).toMatch(/^No change/);
    await writeFile(saved, '{"not":"a graph"}');
    expect((await run('kg', 'diff', saved)).code).toBe(2);
    expect((await run('kg', 'diff', join(dir, 'missing.json'))).code).toBe(2);
  });
});
