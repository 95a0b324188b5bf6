#!/usr/bin/env node
/**
 * Makes sure node_modules matches package-lock.json before anything else runs, and that the
 * console's browser tests have a browser: Debian's `chromium`, installed with apt-get when it
 * is missing (as root, or through sudo) unless `CHROMIUM_PATH` names another one.
 *
 * Plain Node with no dependencies: it runs before node_modules exists. It installs when
 * node_modules is missing, or when package-lock.json is newer than npm's own install record
 * (node_modules/.package-lock.json, rewritten by every `npm ci` / `npm install`), unless
 * node_modules is a symbolic link (see linked()).
 * Uses `npm ci`, or `npm install` when the repository has no lock file.
 *
 * Run it as a script (`node localstack/ensure-deps.mjs`, as `npm test` does: node_modules and
 * chromium) or import it for its effect (`import './ensure-deps.mjs'`, as `npm run local`
 * does: node_modules only); it exports nothing and exits the process on failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = join(root, 'package-lock.json');
const nodeModules = join(root, 'node_modules');
const installRecord = join(nodeModules, '.package-lock.json');

/** Why an install is needed, or null when node_modules is current. */
function staleReason() {
  if (!existsSync(nodeModules)) return 'node_modules is missing';
  if (!existsSync(installRecord)) return 'node_modules has no install record (.package-lock.json)';
  if (existsSync(lockFile) && statSync(installRecord).mtimeMs < statSync(lockFile).mtimeMs) {
    return 'package-lock.json is newer than node_modules';
  }
  return null;
}

/**
 * A node_modules that is a symbolic link (a git worktree sharing another checkout's) is never
 * reinstalled here: `npm ci` empties the directory the link points to before it replaces the
 * link, which would wipe the other checkout's node_modules.
 */
function linked() {
  try {
    return lstatSync(nodeModules).isSymbolicLink();
  } catch {
    return false;
  }
}

const reason = staleReason();
if (reason && linked()) {
  console.warn(
    `[deps] ${reason}, but node_modules is a symbolic link: not reinstalling (install where it points)`,
  );
} else if (reason) {
  const args = existsSync(lockFile) ? ['ci'] : ['install'];
  const started = Date.now();
  console.log(`[deps] ${reason}: running npm ${args[0]} ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, [...args, '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : `exit code ${res.status}`;
    console.error(`[deps] npm ${args[0]} failed after ${seconds} s (${why})`);
    process.exit(res.status || 1);
  }
  console.log(`[deps] npm ${args[0]} done in ${seconds} s`);
}

/** The console's browser tests drive Debian's chromium (test/integration/support/browser.ts). */
function ensureChromium() {
  if (process.env.CHROMIUM_PATH || existsSync('/usr/bin/chromium')) return;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.warn('[deps] no /usr/bin/chromium: install Chromium or set CHROMIUM_PATH for the console tests');
    return;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = (args) =>
    spawnSync(root ? args[0] : 'sudo', root ? args.slice(1) : ['-n', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  const started = Date.now();
  console.log('[deps] installing chromium (Debian package) for the console browser tests ...');
  const update = run(['apt-get', 'update', '-qq']);
  const install =
    update.status === 0
      ? run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'])
      : update;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (install.status !== 0) {
    console.error(`[deps] could not install chromium after ${seconds} s: install it, or set CHROMIUM_PATH`);
    process.exit(1);
  }
  console.log(`[deps] chromium installed in ${seconds} s`);
}

// Only for `npm test` (run as a script); `npm run local` (which imports this) needs no browser.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) ensureChromium();
