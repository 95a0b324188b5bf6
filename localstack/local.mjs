#!/usr/bin/env node
/**
 * Entry point of `npm run local*`: installs dependencies when needed (ensure-deps.mjs),
 * then runs `tsx localstack/cli.ts <command> [...args]` with the same environment and
 * terminal, and exits with its exit code.
 *
 * Plain Node with no dependencies, because it runs before node_modules exists.
 */
import './ensure-deps.mjs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');
const child = spawn(tsx, [join(root, 'localstack', 'cli.ts'), ...process.argv.slice(2)], {
  cwd: root,
  env: process.env,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});

// Ctrl-C reaches the whole foreground process group: let the CLI handle it and report.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));

child.on('error', (err) => {
  console.error(`[local] cannot run ${tsx}: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    const signals = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };
    process.exit(128 + (signals[signal] ?? 1));
  }
  process.exit(code ?? 1);
});
