/**
 * Child-process helpers: run a command with its output going to a log file (and, line by
 * line, to a callback that turns it into progress), or capture a short command's output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** Options of {@link runLogged}. */
export interface RunLoggedOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives stdout and stderr, interleaved as they arrive. */
  logFile: string;
  /** Append to the log instead of truncating it. */
  append?: boolean;
  /** Called with each complete output line. */
  onLine?: (line: string) => void;
}

/** Runs `command args`, sending its output to `logFile`; resolves with the exit code. */
export function runLogged(command: string, args: readonly string[], opts: RunLoggedOptions): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(opts.logFile, { flags: opts.append ? 'a' : 'w' });
    log.write(`\n$ ${[command, ...args].join(' ')}\n`);
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const partial = { stdout: '', stderr: '' };
    const feed = (key: 'stdout' | 'stderr', chunk: Buffer): void => {
      log.write(chunk);
      if (!opts.onLine) return;
      const text = partial[key] + chunk.toString('utf8');
      const lines = text.split(/\r?\n/);
      partial[key] = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    };
    child.stdout.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr.on('data', (c: Buffer) => feed('stderr', c));
    child.on('error', (err) => {
      log.end();
      reject(err);
    });
    child.on('close', (code, signal) => {
      for (const rest of [partial.stdout, partial.stderr]) if (rest && opts.onLine) opts.onLine(rest);
      const status = code ?? (signal ? 128 : 1);
      log.end(`\n[exit ${signal ?? status}]\n`, () => resolvePromise(status));
    });
  });
}

/** Result of {@link capture}. */
export interface Captured {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a short command synchronously and returns its trimmed output. Never throws. */
export function capture(command: string, args: readonly string[], opts: { cwd?: string } = {}): Captured {
  const res = spawnSync(command, args, { cwd: opts.cwd, encoding: 'utf8', timeout: 30_000 });
  return {
    ok: !res.error && res.status === 0,
    stdout: (res.stdout ?? '').trim(),
    stderr: (res.stderr ?? res.error?.message ?? '').trim(),
  };
}
