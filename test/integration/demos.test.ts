/**
 * `npm run demo -- <name>`: each demo runs against the deployed stack, narrates, and exits 0
 * only when its flow happened (each checks its own outcome and exits 1 otherwise).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './support/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const demo = (name: string) =>
  runCommand(process.execPath, ['--import', 'tsx', 'localstack/demos/run.ts', name], { cwd: root });

describe('npm run demo', () => {
  // The retention demo shortens the user/dev/user row while it runs and restores it at the
  // end; Lambdas cache policy rows for POLICY_CACHE_TTL_MS (5 s), so let that pass before the
  // next test file creates users.
  afterAll(() => new Promise((r) => setTimeout(r, 6_000)));

  it.each([
    ['broadcast', /every player saw the final leaderboard/],
    ['translate', /translated by provider "offline"/],
    ['retention', /GET → 404; its intent is executed/],
    ['archive', /state archived/],
  ])('%s narrates its flow and exits 0', { timeout: 300_000 }, async (name, narrated) => {
    const { code, output } = await demo(name);
    expect(code, output).toBe(0);
    expect(output).toMatch(narrated);
    expect(output).toMatch(new RegExp(`demo ${name} done in [\\d.]+ s`));
  });
});
