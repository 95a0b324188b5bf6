/**
 * Progress lines for long steps: one line when a step starts, one when it ends, with the
 * elapsed seconds. Plain text (no cursor tricks) so CI logs read the same as a terminal.
 */
import { existsSync, readFileSync } from 'node:fs';

const PREFIX = '[local]';

/** Seconds since `startedMs`, one decimal. */
export const elapsed = (startedMs: number): string => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;

/** Prints an informational line. */
export function info(message: string): void {
  console.log(`${PREFIX} ${message}`);
}

/** Prints a warning line (stderr). */
export function warn(message: string): void {
  console.error(`${PREFIX} warning: ${message}`);
}

/** A running step; `done`/`fail` print its elapsed time. */
export interface Step {
  /** Milliseconds timestamp of the start. */
  readonly startedMs: number;
  /** Milliseconds since this step last printed a line. */
  quietMs(): number;
  /** Prints an intermediate line for this step, with the elapsed time so far. */
  note(message: string): void;
  /** Prints the success line. */
  done(detail?: string): void;
  /** Prints the failure line (stderr). */
  fail(detail?: string): void;
}

/** Starts a step: prints `title ...` now and the outcome with elapsed seconds later. */
export function step(title: string): Step {
  const startedMs = Date.now();
  let lastPrintMs = startedMs;
  console.log(`${PREFIX} ${title} ...`);
  return {
    startedMs,
    quietMs: () => Date.now() - lastPrintMs,
    note: (message) => {
      lastPrintMs = Date.now();
      console.log(`${PREFIX}   ${message} (${elapsed(startedMs)})`);
    },
    done: (detail) => console.log(`${PREFIX} ${detail ?? title}: done in ${elapsed(startedMs)}`),
    fail: (detail) =>
      console.error(`${PREFIX} ${title}: FAILED after ${elapsed(startedMs)}${detail ? `: ${detail}` : ''}`),
  };
}

/** The last `lines` lines of a text file (from byte `fromOffset` on), or '' when it does not exist. */
export function tail(file: string, lines = 40, fromOffset = 0): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file).subarray(fromOffset).toString('utf8').replace(/\s+$/, '');
  return text.split('\n').slice(-lines).join('\n');
}

/** An error whose message already explains the failure (the CLI prints it without a stack). */
export class LocalError extends Error {
  override readonly name = 'LocalError';
}

/** A LocalError whose message ends with the tail of `file` (from byte `fromOffset` on). */
export function errorWithLog(message: string, file: string, lines = 40, fromOffset = 0): LocalError {
  const t = tail(file, lines, fromOffset);
  return new LocalError(
    t ? `${message}\n--- last lines of ${file} ---\n${t}\n---` : `${message} (no log at ${file})`,
  );
}
