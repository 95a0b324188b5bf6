/**
 * The Python virtualenv (`.venv`) holding the pinned MiniStack. Created on first use:
 * `python3 -m venv .venv && .venv/bin/python -m pip install ministack==<pin> <EMULATOR_PACKAGES>`;
 * skipped when the pinned versions are already installed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_PACKAGES, type LocalConfig, MINISTACK_VERSION } from './config.ts';
import { capture, runLogged } from './proc.ts';
import { errorWithLog, info, LocalError, step } from './progress.ts';

const isWindows = process.platform === 'win32';

/** The virtualenv's Python interpreter. */
export const venvPython = (venvDir: string): string =>
  isWindows ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');

/** Version of package `name` importable by `python`, or null (no interpreter, or not installed). */
function installedVersion(python: string, name: string): string | null {
  const res = capture(python, [
    '-c',
    `import importlib.metadata as m; print(m.version(${JSON.stringify(name)}))`,
  ]);
  return res.ok && res.stdout ? res.stdout : null;
}

/** Version of MiniStack importable by `python`, or null (no interpreter, or not installed). */
export const installedMinistackVersion = (python: string): string | null =>
  installedVersion(python, 'ministack');

/** The pinned packages beside MiniStack that are missing or at another version. */
const missingPackages = (python: string): string[] =>
  Object.entries(EMULATOR_PACKAGES)
    .filter(([name, pin]) => installedVersion(python, name) !== pin)
    .map(([name, pin]) => `${name}==${pin}`);

const runs = (python: string): boolean => capture(python, ['-c', 'pass']).ok;

/** A Python >= 3.10 on PATH (`TEMPORA_PYTHON` first), or throws with what to install. */
function systemPython(): string {
  const candidates = [process.env.TEMPORA_PYTHON, 'python3', 'python'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const res = capture(candidate, ['-c', 'import sys; print(int(sys.version_info >= (3, 10)))']);
    if (res.ok && res.stdout === '1') return candidate;
  }
  throw new LocalError(
    'MiniStack needs Python 3.10 or newer (with the venv module) on PATH as python3, or set TEMPORA_PYTHON. ' +
      'Alternatively run an emulator yourself and set AWS_ENDPOINT_URL (see docs/local.md).',
  );
}

/**
 * Makes sure `.venv` holds MiniStack {@link MINISTACK_VERSION}; returns the venv's Python.
 * Prints a progress line only when it has to install.
 */
export async function ensureMinistack(
  cfg: LocalConfig,
  version: string = MINISTACK_VERSION,
): Promise<string> {
  const { venvDir, pipLog, localDir, root } = cfg.paths;
  const python = venvPython(venvDir);
  const current = installedMinistackVersion(python);
  const missing = missingPackages(python);
  if (current === version && missing.length === 0) return python;

  mkdirSync(localDir, { recursive: true });
  const s = step(
    current === version
      ? `adding ${missing.join(' ')} to .venv`
      : current
        ? `replacing MiniStack ${current} with ${version} in .venv`
        : `installing MiniStack ${version} into .venv (first run)`,
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
  const wanted = [
    `ministack==${version}`,
    ...Object.entries(EMULATOR_PACKAGES).map(([n, pin]) => `${n}==${pin}`),
  ];
  s.note(`pip install ${wanted.join(' ')} (log: ${pipLog})`);
  const code = await runLogged(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...wanted],
    { cwd: root, env: { ...process.env, PIP_REQUIRE_VIRTUALENV: '' }, logFile: pipLog, append: createdVenv },
  );
  const installed = installedMinistackVersion(python);
  const still = missingPackages(python);
  if (code !== 0 || installed !== version || still.length > 0) {
    s.fail();
    throw errorWithLog(
      `pip install ${wanted.join(' ')} failed (exit ${code}, MiniStack installed: ${installed ?? 'none'}${still.length ? `, missing: ${still.join(' ')}` : ''})`,
      pipLog,
    );
  }
  s.done(`MiniStack ${version} installed`);
  info(`virtualenv: ${venvDir}`);
  return python;
}
