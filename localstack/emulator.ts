/**
 * Lifecycle of the local AWS emulator.
 *
 * - With `AWS_ENDPOINT_URL` set, the emulator is the user's (LocalStack, MiniStack in Docker...):
 *   it is health-checked and never started or stopped here.
 * - Otherwise the embedded MiniStack runs from `.venv`, detached, bound to 127.0.0.1 on
 *   `TEMPORA_LOCAL_PORT`, logging to `.local/ministack.log`. Its pid is in `.local/ministack.pid`
 *   (plus port and version in `.local/ministack.json`); it is only ever stopped by that pid.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalConfig, MINISTACK_VERSION } from './config.ts';
import { capture } from './proc.ts';
import { errorWithLog, info, LocalError, step, tail, warn } from './progress.ts';
import { ensureMinistack } from './venv.ts';

/** Health endpoints, MiniStack's first, then LocalStack's (MiniStack answers both). */
export const HEALTH_PATHS = ['/_ministack/health', '/_localstack/health'] as const;

/** What a health endpoint said. */
export interface Health {
  /** The path that answered. */
  path: string;
  /** `version` field of the answer, when present. */
  version?: string;
  /** `ministack` or `localstack`, from the path that answered. */
  kind: 'ministack' | 'localstack';
}

/** The emulator a run works against. */
export interface EmulatorHandle {
  endpoint: string;
  /** Named by `AWS_ENDPOINT_URL`: never started or stopped by these scripts. */
  external: boolean;
  /** Started by this call (the caller may stop it with {@link stopEmulator} and this pid). */
  startedHere: boolean;
  /** Pid of the MiniStack these scripts started, when they did (now or earlier). */
  pid?: number;
}

/** Contents of `.local/ministack.json`. */
export interface EmulatorRecord {
  pid: number;
  port?: number;
  endpoint?: string;
  version?: string;
  startedAt?: string;
}

/** Asks `endpoint` for its health; null when nothing healthy answers within ~2 s per path. */
export async function probeHealth(endpoint: string): Promise<Health | null> {
  for (const path of HEALTH_PATHS) {
    try {
      const res = await fetch(`${endpoint}${path}`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) continue;
      const body: unknown = await res.json().catch(() => ({}));
      const version =
        typeof body === 'object' && body !== null && 'version' in body && typeof body.version === 'string'
          ? body.version
          : undefined;
      return { path, version, kind: path.startsWith('/_ministack') ? 'ministack' : 'localstack' };
    } catch {
      // connection refused, timeout, not JSON: try the next path
    }
  }
  return null;
}

const describe = (h: Health): string => `${h.kind}${h.version ? ` ${h.version}` : ''}`;

/** True when `pid` is a live (not zombie) process whose command line mentions ministack. */
export function isMinistackProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: another user's process, so not one we started
  }
  const ps = capture('ps', ['-o', 'stat=,command=', '-p', String(pid)]);
  if (!ps.ok) return process.platform === 'win32'; // no ps: trust the pid file on Windows only
  const [stat = '', ...command] = ps.stdout.split(/\s+/);
  return !stat.startsWith('Z') && command.join(' ').includes('ministack');
}

/** The pid file plus its JSON companion, or null when there is no pid file. */
export function readEmulatorRecord(cfg: LocalConfig): EmulatorRecord | null {
  const { pidFile, emulatorFile } = cfg.paths;
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let extra: Partial<EmulatorRecord> = {};
  try {
    extra = JSON.parse(readFileSync(emulatorFile, 'utf8')) as Partial<EmulatorRecord>;
  } catch {
    // companion file missing or unreadable: the pid alone is enough
  }
  return { ...extra, pid };
}

function forgetEmulator(cfg: LocalConfig): void {
  rmSync(cfg.paths.pidFile, { force: true });
  rmSync(cfg.paths.emulatorFile, { force: true });
}

/**
 * Polls the health endpoints until one answers, `deadlineMs` passes, or `stillRunning`
 * reports the process is gone. Returns the health, or a reason string.
 */
export async function waitForHealth(
  endpoint: string,
  deadlineMs: number,
  stillRunning: () => boolean = () => true,
): Promise<Health | string> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const h = await probeHealth(endpoint);
    if (h) return h;
    if (!stillRunning()) return 'the emulator process exited';
    await sleep(250);
  }
  return `no healthy answer from ${endpoint}${HEALTH_PATHS[0]} within ${Math.round(deadlineMs / 1000)} s`;
}

/** Starts the embedded MiniStack detached and waits until it is healthy. */
export async function startMinistack(cfg: LocalConfig): Promise<EmulatorHandle> {
  const python = await ensureMinistack(cfg);
  const { localDir, emulatorLog, pidFile, emulatorFile } = cfg.paths;
  mkdirSync(localDir, { recursive: true });
  const persisted = cfg.persistState ? `, state kept in ${cfg.paths.stateDir}` : '';
  const s = step(
    `starting MiniStack ${MINISTACK_VERSION} on ${cfg.endpoint} (log: ${emulatorLog}${persisted})`,
  );
  // Append, never truncate: the log keeps earlier runs (and nobody else's output is lost).
  const logStart = existsSync(emulatorLog) ? statSync(emulatorLog).size : 0;
  const logFd = openSync(emulatorLog, 'a');
  writeSync(
    logFd,
    `\n===== ${new Date().toISOString()} starting MiniStack ${MINISTACK_VERSION} on ${cfg.endpoint} =====\n`,
  );
  // localstack/ministack_aws.py: MiniStack with AWS's asynchronous invocation of EventBridge and
  // Scheduler targets (retries, then the function's dead-letter queue).
  const launcher = join(cfg.paths.root, 'localstack', 'ministack_aws.py');
  const child = spawn(python, [launcher], {
    cwd: localDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      GATEWAY_PORT: String(cfg.port),
      BIND_HOST: '127.0.0.1',
      // Lambdas get this endpoint: an IPv4 literal (a `localhost` that resolves to ::1 would miss).
      AWS_ENDPOINT_URL: cfg.endpoint,
      MINISTACK_REGION: cfg.region,
      // Saved on stop and loaded on start only with PERSIST_STATE=1, in this checkout's own
      // directory (MiniStack's default, /tmp/ministack-state, is shared by every checkout).
      PERSIST_STATE: cfg.persistState ? '1' : '0',
      STATE_DIR: cfg.paths.stateDir,
      // With `cryptography` installed (for the JWT authorizer) MiniStack would also open an IoT
      // MQTT-over-TLS listener on port 8883, one port for every emulator of the machine: not needed.
      IOT_MTLS_ENABLED: '0',
    },
  });
  closeSync(logFd);
  let exited = false;
  const markExited = (): void => {
    exited = true;
  };
  child.on('exit', markExited);
  child.on('error', markExited); // e.g. the interpreter vanished: reported via the pid check below
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    s.fail();
    throw errorWithLog(`could not start ${python} ${launcher}`, emulatorLog);
  }
  writeFileSync(pidFile, `${pid}\n`);
  const record: EmulatorRecord = {
    pid,
    port: cfg.port,
    endpoint: cfg.endpoint,
    version: MINISTACK_VERSION,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(emulatorFile, `${JSON.stringify(record, null, 2)}\n`);

  const health = await waitForHealth(cfg.endpoint, cfg.startTimeoutMs, () => !exited);
  if (typeof health === 'string') {
    s.fail(health);
    if (!exited) await stopPid(pid);
    forgetEmulator(cfg);
    const busy = tail(emulatorLog, 40, logStart).includes('already in use')
      ? ` (port ${cfg.port} is taken by another program: set TEMPORA_LOCAL_PORT to a free port)`
      : '';
    throw errorWithLog(`MiniStack did not become healthy: ${health}${busy}`, emulatorLog, 40, logStart);
  }
  s.done(`MiniStack ${health.version ?? MINISTACK_VERSION} healthy on ${cfg.endpoint} (pid ${pid})`);
  return { endpoint: cfg.endpoint, external: false, startedHere: true, pid };
}

/**
 * Returns a healthy emulator for `cfg`: the `AWS_ENDPOINT_URL` one, the MiniStack these scripts
 * started earlier, any emulator already answering on the port, or a newly started MiniStack.
 */
export async function ensureEmulator(cfg: LocalConfig): Promise<EmulatorHandle> {
  if (cfg.external) {
    const h = await probeHealth(cfg.endpoint);
    if (!h) {
      throw new LocalError(
        `AWS_ENDPOINT_URL=${cfg.endpoint} but no emulator answers ${HEALTH_PATHS.join(' or ')} there. ` +
          'Start it first (e.g. docker compose -f localstack/docker-compose.yml --profile ministack up -d), ' +
          'or unset AWS_ENDPOINT_URL to use the embedded MiniStack.',
      );
    }
    info(`using the emulator at ${cfg.endpoint} (${describe(h)}, from AWS_ENDPOINT_URL; not managed here)`);
    return { endpoint: cfg.endpoint, external: true, startedHere: false };
  }

  const record = readEmulatorRecord(cfg);
  if (record && isMinistackProcess(record.pid)) {
    if (record.port !== undefined && record.port !== cfg.port) {
      throw new LocalError(
        `the MiniStack started by these scripts (pid ${record.pid}) listens on port ${record.port}, not ${cfg.port}. ` +
          `Stop it with "npm run local:down", or set TEMPORA_LOCAL_PORT=${record.port}.`,
      );
    }
    const h = await waitForHealth(cfg.endpoint, cfg.startTimeoutMs);
    if (typeof h === 'string') {
      throw errorWithLog(
        `MiniStack pid ${record.pid} is running but unhealthy (${h}). Try "npm run local:down" then "npm run local".`,
        cfg.paths.emulatorLog,
      );
    }
    info(`MiniStack already running on ${cfg.endpoint} (pid ${record.pid}, ${describe(h)})`);
    return { endpoint: cfg.endpoint, external: false, startedHere: false, pid: record.pid };
  }
  if (record) forgetEmulator(cfg); // stale pid file

  const other = await probeHealth(cfg.endpoint);
  if (other) {
    info(
      `an emulator not started by these scripts answers on ${cfg.endpoint} (${describe(other)}): using it ` +
        '("npm run local:down" will not stop it)',
    );
    return { endpoint: cfg.endpoint, external: false, startedHere: false };
  }
  return startMinistack(cfg);
}

/** Sends SIGTERM to `pid`, then SIGKILL (to its process group) after `graceMs`. */
async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isMinistackProcess(pid)) return;
    await sleep(100);
  }
  warn(`MiniStack pid ${pid} ignored SIGTERM for ${graceMs / 1000} s: sending SIGKILL`);
  try {
    // Started detached, so it leads its own process group (with its Lambda workers).
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone in the meantime
    }
  }
}

/**
 * Stops the MiniStack recorded in `.local/ministack.pid` (only when that is the process
 * `onlyPid`, if given) and removes the pid file. Never looks processes up by name.
 * Returns true when it stopped something.
 */
export async function stopEmulator(cfg: LocalConfig, onlyPid?: number): Promise<boolean> {
  const record = readEmulatorRecord(cfg);
  if (!record) {
    info(`MiniStack is not running (no ${cfg.paths.pidFile})`);
    return false;
  }
  if (onlyPid !== undefined && record.pid !== onlyPid) {
    info(`the pid file names pid ${record.pid}, not ${onlyPid}: leaving it alone`);
    return false;
  }
  if (!isMinistackProcess(record.pid)) {
    forgetEmulator(cfg);
    info(`MiniStack is not running (removed the stale pid file of pid ${record.pid})`);
    return false;
  }
  const s = step(`stopping MiniStack (pid ${record.pid}, port ${record.port ?? 'unknown'})`);
  await stopPid(record.pid);
  forgetEmulator(cfg);
  s.done('MiniStack stopped');
  return true;
}

/** Wipes all emulator state: `POST /_ministack/reset`, or LocalStack's `/_localstack/state/reset`. */
export async function resetEmulator(endpoint: string): Promise<void> {
  const s = step(`resetting all emulator state at ${endpoint}`);
  for (const path of ['/_ministack/reset', '/_localstack/state/reset']) {
    try {
      const res = await fetch(`${endpoint}${path}`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
      if (res.ok) {
        s.done(`emulator state reset (${path})`);
        return;
      }
    } catch {
      // try the next form
    }
  }
  s.fail();
  throw new LocalError(
    `${endpoint} accepts neither POST /_ministack/reset nor POST /_localstack/state/reset: restart the emulator instead`,
  );
}
