/**
 * Runs commands side by side for bin/npm-parallel.mjs and bin/test-integration.mjs: each
 * command's output either streamed line by line with a `[name] ` prefix (long runs: progress as
 * it comes) or printed whole when it ends (short runs: no interleaving); then its time. Resolves
 * to the first non-zero exit code, or 0. Plain Node, no dependencies.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * @param {Array<{ name: string, command: string, args: string[] }>} jobs
 * @param {{ stream?: boolean, label?: string, sequential?: boolean }} [options]
 * @returns {Promise<number>}
 */
export async function runSideBySide(
  jobs,
  { stream = false, label = 'side-by-side', sequential = false } = {},
) {
  const run = ({ name, command, args }) =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(command, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: process.platform === 'win32',
      });
      let output = '';
      for (const s of [child.stdout, child.stderr]) {
        if (stream)
          createInterface({ input: s }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
        else s.on('data', (d) => (output += d));
      }
      child.on('close', (code) => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (output) process.stdout.write(`${output}${output.endsWith('\n') ? '' : '\n'}`);
        console.log(`[${label}] ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds} s`);
        resolve(code ?? 1);
      });
    });
  const codes = [];
  if (sequential) for (const job of jobs) codes.push(await run(job));
  else codes.push(...(await Promise.all(jobs.map(run))));
  return codes.find((c) => c !== 0) ?? 0;
}
