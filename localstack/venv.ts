/**
 * The Python virtualenv (`.venv`) holding the pinned MiniStack (with its EMULATOR_PACKAGES) and
 * cfn-lint. Created on first use: `python3 -m venv .venv && .venv/bin/python -m pip install
 * ministack==<pin>` (then each of EMULATOR_PACKAGES, and `cfn-lint==<pin>` for `npm run lint:cfn`);
 * skipped when the pinned versions are installed.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CFN_LINT_VERSION, EMULATOR_PACKAGES, type LocalConfig, MINISTACK_VERSION } from './config.ts';
import { capture, runLogged } from './proc.ts';
import { errorWithLog, info, LocalError, step } from './progress.ts';

const isWindows = process.platform === 'win32';

/** The virtualenv's Python interpreter. */
export const venvPython = (venvDir: string): string =>
  isWindows ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');

/** Version of the distribution `name` importable by `python`, or null (no interpreter, or not installed). */
export function installedVersion(python: string, name: string): string | null {
  const res = capture(python, [
    '-c',
    `import importlib.metadata as m; print(m.version(${JSON.stringify(name)}))`,
  ]);
  return res.ok && res.stdout ? res.stdout : null;
}

/** Version of MiniStack importable by `python`, or null (no interpreter, or not installed). */
export const installedMinistackVersion = (python: string): string | null =>
  installedVersion(python, 'ministack');

const runs = (python: string): boolean => capture(python, ['-c', 'pass']).ok;

/** A Python >= 3.10 on PATH (`TEMPORA_PYTHON` first), or throws with what to install. */
function systemPython(): string {
  const candidates = [process.env.TEMPORA_PYTHON, 'python3', 'python'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const res = capture(candidate, ['-c', 'import sys; print(int(sys.version_info >= (3, 10)))']);
    if (res.ok && res.stdout === '1') return candidate;
  }
  throw new LocalError(
    'MiniStack and cfn-lint need Python 3.10 or newer (with the venv module) on PATH as python3, or set TEMPORA_PYTHON. ' +
      'Alternatively run an emulator yourself and set AWS_ENDPOINT_URL (see docs/local.md).',
  );
}

/**
 * Makes sure `.venv` holds `name` at `version` (pip, into the project's virtualenv, created on
 * first use); returns the venv's Python. Prints progress only when it has to install.
 */
export async function ensureVenvPackage(cfg: LocalConfig, name: string, version: string): Promise<string> {
  const python = venvPython(cfg.paths.venvDir);
  if (installedVersion(python, name) === version) return python;
  // Two commands of one checkout may start at once (npm test brings up two platforms): one
  // installs, the other waits and then finds the package there.
  return withVenvLock(cfg.paths.venvDir, () => installVenvPackage(cfg, name, version));
}

/** A stale lock (its holder died) is taken over after this long. */
const LOCK_STALE_MS = 10 * 60_000;

async function withVenvLock<T>(venvDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${venvDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function installVenvPackage(cfg: LocalConfig, name: string, version: string): Promise<string> {
  const { venvDir, pipLog, localDir, root } = cfg.paths;
  const python = venvPython(venvDir);
  const current = installedVersion(python, name);
  if (current === version) return python; // installed by the lock's previous holder

  mkdirSync(localDir, { recursive: true });
  const s = step(
    current
      ? `replacing ${name} ${current} with ${version} in .venv`
      : `installing ${name} ${version} into .venv (first run)`,
  );
  let createdVenv = false;
  if (!runs(python)) {
    // Missing, or a venv whose interpreter no longer exists (e.g. the repo was moved): recreate.
    const sys = systemPython();
    s.note(`creating virtualenv with ${sys}`);
    const code = await runLogged(sys, ['-m', 'venv', '--clear', venvDir], {
      cwd: root,
      env: process.env,
      logFile: pipLog,
    });
    if (code !== 0) {
      s.fail();
      throw errorWithLog(`"${sys} -m venv ${venvDir}" failed (exit ${code})`, pipLog);
    }
    createdVenv = true;
  }
  s.note(`pip install ${name}==${version} (log: ${pipLog})`);
  const code = await runLogged(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `${name}==${version}`],
    { cwd: root, env: { ...process.env, PIP_REQUIRE_VIRTUALENV: '' }, logFile: pipLog, append: createdVenv },
  );
  const installed = installedVersion(python, name);
  if (code !== 0 || installed !== version) {
    s.fail();
    throw errorWithLog(
      `pip install ${name}==${version} failed (exit ${code}, installed: ${installed ?? 'none'})`,
      pipLog,
    );
  }
  s.done(`${name} ${version} installed`);
  info(`virtualenv: ${venvDir}`);
  return python;
}

/**
 * Makes sure `.venv` holds MiniStack {@link MINISTACK_VERSION} and the pinned packages beside it
 * ({@link EMULATOR_PACKAGES}); returns the venv's Python.
 */
export async function ensureMinistack(
  cfg: LocalConfig,
  version: string = MINISTACK_VERSION,
): Promise<string> {
  const python = await ensureVenvPackage(cfg, 'ministack', version);
  for (const [name, pin] of Object.entries(EMULATOR_PACKAGES)) await ensureVenvPackage(cfg, name, pin);
  return python;
}

/** Makes sure `.venv` holds cfn-lint {@link CFN_LINT_VERSION}; returns its executable. */
export async function ensureCfnLint(cfg: LocalConfig, version: string = CFN_LINT_VERSION): Promise<string> {
  const python = await ensureVenvPackage(cfg, 'cfn-lint', version);
  return join(dirname(python), isWindows ? 'cfn-lint.exe' : 'cfn-lint');
}
