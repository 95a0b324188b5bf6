#!/usr/bin/env node
/**
 * `node bin/npm-parallel.mjs <script> <script> …`: runs npm scripts side by side (npm test runs
 * `lint` and `lint:cfn` this way: tsc, dependency-cruiser and cfn-lint are each single-threaded).
 * Each script's output is printed whole when it ends, with its time; the exit code is the first
 * non-zero one. Plain Node, no dependencies.
 */
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('usage: node bin/npm-parallel.mjs <npm script> [<npm script> …]');
  process.exit(2);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (script) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(npm, ['run', '--silent', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${output}${output.endsWith('\n') || !output ? '' : '\n'}`);
      console.log(`[npm-parallel] ${script}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds} s`);
      resolve(code ?? 1);
    });
  });
const codes = await Promise.all(scripts.map(run));
process.exit(codes.find((c) => c !== 0) ?? 0);
