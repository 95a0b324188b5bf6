/**
 * Runs a command as a reader would and collects what it prints: `output` is stdout and stderr
 * in order, `stdout` and `stderr` each on its own.
 */
import { spawn } from 'node:child_process';

export function runCommand(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      output += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, stdout, stderr }));
  });
}
