#!/usr/bin/env node
/**
 * `node bin/npm-parallel.mjs <script> <script> …`: runs npm scripts side by side (npm test runs
 * `lint` and `lint:cfn` this way: tsc, dependency-cruiser and cfn-lint are each single-threaded).
 * Each script's output is printed whole when it ends, with its time; the exit code is the first
 * non-zero one. Plain Node, no dependencies (./side-by-side.mjs).
 */
import { runSideBySide } from './side-by-side.mjs';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('usage: node bin/npm-parallel.mjs <npm script> [<npm script> …]');
  process.exit(2);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const jobs = scripts.map((script) => ({ name: script, command: npm, args: ['run', '--silent', script] }));
process.exit(await runSideBySide(jobs, { label: 'npm-parallel' }));
