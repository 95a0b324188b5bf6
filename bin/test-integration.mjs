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
 * both vitest commands. Plain Node, no dependencies (./side-by-side.mjs); the exit code is the first non-zero one.
 */
import { runSideBySide } from './side-by-side.mjs';

const extra = process.argv.slice(2);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const jobs = [
  ['first', ['--project', 'integration', '--project', 'integration-serial']],
  ['second', ['--project', 'integration-isolated']],
].map(([name, args]) => ({ name, command: npx, args: ['vitest', 'run', ...args, ...extra] }));

process.exit(
  await runSideBySide(jobs, {
    stream: true,
    label: 'test-integration',
    sequential: Boolean(process.env.AWS_ENDPOINT_URL),
  }),
);
