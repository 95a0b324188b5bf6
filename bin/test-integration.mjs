#!/usr/bin/env node
/**
 * `npm run test:integration`: the integration projects of vitest.config.ts in two vitest
 * processes side by side, each on its own platform (emulator + deploy):
 *
 *   first   `integration` (two files at a time), then `integration-serial` (one at a time)
 *   second  `integration-isolated` (one at a time: files that change what every other file sees)
 *
 * so the wall time is the longer column, not the sum. Each line is printed as it comes,
 * prefixed with its column. With AWS_ENDPOINT_URL (one emulator you run) both columns would
 * deploy the same stacks into it at once, so they run one after the other. Extra arguments go to
 * both vitest commands. Plain Node, no dependencies; the exit code is the first non-zero one.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const extra = process.argv.slice(2);
const columns = [
  ['first', ['--project', 'integration', '--project', 'integration-serial']],
  ['second', ['--project', 'integration-isolated']],
];
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const run = ([name, args]) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(npx, ['vitest', 'run', ...args, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const prefix = `[${name}] `;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
    }
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `[test-integration] ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds} s`,
      );
      resolve(code ?? 1);
    });
  });

const codes = [];
if (process.env.AWS_ENDPOINT_URL) for (const c of columns) codes.push(await run(c));
else codes.push(...(await Promise.all(columns.map(run))));
process.exit(codes.find((c) => c !== 0) ?? 0);
