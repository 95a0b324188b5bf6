/**
 * Settings of the local platform, read once from the environment.
 *
 * | Variable               | Default      | Meaning                                                     |
 * |------------------------|--------------|-------------------------------------------------------------|
 * | `AWS_ENDPOINT_URL`     | (unset)      | Use this emulator (LocalStack, MiniStack in Docker...) and start nothing |
 * | `TEMPORA_LOCAL_PORT`   | `4566`       | Port of the embedded MiniStack                              |
 * | `AWS_REGION`           | `us-east-1`  | Region of every call and of the bootstrap                   |
 * | `TEMPORA_ENV`          | `dev`        | Stack environment: deploys `Tempora-<env>` with `-c env=<env>` |
 * | `TEMPORA_LOCAL_START_TIMEOUT` | `60`  | Seconds to wait for the emulator to become healthy          |
 * | `PERSIST_STATE`        | (unset)      | `1`: the embedded MiniStack saves its state in `.local/state/` when it stops and loads it when it starts |
 * | `TEMPORA_LOCAL_DIR`    | `.local`     | Where this platform's files go (logs, pid, outputs, cloud assembly), relative to the repository: a second emulator on another port needs its own |
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allStackNames } from '../infra/names.ts';

/** MiniStack release installed into `.venv` and started by `npm run local`. */
export const MINISTACK_VERSION = '1.5.33';

/**
 * Packages installed beside MiniStack, pinned: `cryptography` (of MiniStack's `full` extra) is what
 * its API Gateway JWT authorizer verifies RS256 signatures with; without it the authorizer refuses
 * every token, valid ones included (docs/local.md).
 */
export const EMULATOR_PACKAGES: Readonly<Record<string, string>> = { cryptography: '51.0.1' };

/** cfn-lint release installed into `.venv` and run on every synthesized template by `npm run lint:cfn`. */
export const CFN_LINT_VERSION = '1.58.0';

/** Account id of LocalStack-compatible emulators (CDK bootstraps `aws://<account>/<region>`). */
export const LOCAL_ACCOUNT = '000000000000';

/** Credentials every emulator accepts. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** Where the local tooling keeps its files. */
export interface LocalPaths {
  /** Repository root. */
  root: string;
  /** `.local/`: logs, pid file, outputs. Git-ignored. */
  localDir: string;
  /** Python virtualenv holding the pinned MiniStack. */
  venvDir: string;
  /** Pid of the MiniStack started by these scripts. */
  pidFile: string;
  /** Port, version and start time of that MiniStack (JSON). */
  emulatorFile: string;
  /** MiniStack's stdout/stderr. */
  emulatorLog: string;
  /** Where the embedded MiniStack saves its state with `PERSIST_STATE=1` (its `STATE_DIR`). */
  stateDir: string;
  /** Output of `pip install`. */
  pipLog: string;
  /** Output of `cdk bootstrap` and `cdk deploy`. */
  deployLog: string;
  /** The contract file read by tests and tools (see outputs.ts). */
  outputsFile: string;
  /** Raw `cdk deploy --outputs-file`. */
  cdkOutputsFile: string;
}

/** Resolved settings of one run. */
export interface LocalConfig {
  paths: LocalPaths;
  /** Base URL of the emulator, without a trailing slash. */
  endpoint: string;
  /** True when `AWS_ENDPOINT_URL` names the emulator: these scripts never start or stop it. */
  external: boolean;
  /** `PERSIST_STATE=1`: the embedded MiniStack keeps its state in `paths.stateDir` across restarts. */
  persistState: boolean;
  /** Port of the embedded MiniStack (meaningful when `external` is false). */
  port: number;
  region: string;
  environment: string;
  /** `Tempora-<environment>`: the data stack, which names the environment's platform. */
  stackName: string;
  /** Every stack of the environment, in deploy order (infra/names.ts). */
  stackNames: string[];
  /** Deadline for the emulator to answer its health check, in milliseconds. */
  startTimeoutMs: number;
}

/** Repository root, derived from this file's location (works from any working directory). */
export const repoRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The file layout under `root` (`localDir`: another emulator's files, default `.local/`). */
export function localPaths(root: string = repoRoot(), localDir: string = join(root, '.local')): LocalPaths {
  return {
    root,
    localDir,
    venvDir: join(root, '.venv'),
    pidFile: join(localDir, 'ministack.pid'),
    emulatorFile: join(localDir, 'ministack.json'),
    emulatorLog: join(localDir, 'ministack.log'),
    stateDir: join(localDir, 'state'),
    pipLog: join(localDir, 'pip.log'),
    deployLog: join(localDir, 'deploy.log'),
    outputsFile: join(localDir, 'outputs.json'),
    cdkOutputsFile: join(localDir, 'cdk-outputs.json'),
  };
}

const positiveInt = (raw: string | undefined, name: string, fallback: number): number => {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

/** Strips trailing slashes and checks the URL is http(s). */
export function normalizeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`AWS_ENDPOINT_URL is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`AWS_ENDPOINT_URL must be http(s), got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Reads the settings from `env` (defaults to `process.env`). */
export function loadLocalConfig(
  env: NodeJS.ProcessEnv = process.env,
  root: string = repoRoot(),
): LocalConfig {
  const port = positiveInt(env.TEMPORA_LOCAL_PORT, 'TEMPORA_LOCAL_PORT', 4566);
  if (port > 65535) throw new Error(`TEMPORA_LOCAL_PORT must be a TCP port, got ${port}`);
  const externalUrl = env.AWS_ENDPOINT_URL?.trim();
  const environment = env.TEMPORA_ENV?.trim() || 'dev';
  if (!/^[a-z][a-z0-9-]*$/.test(environment)) {
    throw new Error(`TEMPORA_ENV must be lower-case letters, digits and dashes, got "${environment}"`);
  }
  const localDir = env.TEMPORA_LOCAL_DIR?.trim();
  return {
    paths: localPaths(root, localDir ? resolve(root, localDir) : undefined),
    endpoint: externalUrl ? normalizeEndpoint(externalUrl) : `http://127.0.0.1:${port}`,
    external: Boolean(externalUrl),
    persistState: env.PERSIST_STATE?.trim() === '1',
    port,
    region: env.AWS_REGION?.trim() || 'us-east-1',
    environment,
    stackName: `Tempora-${environment}`,
    stackNames: allStackNames(environment),
    startTimeoutMs: positiveInt(env.TEMPORA_LOCAL_START_TIMEOUT, 'TEMPORA_LOCAL_START_TIMEOUT', 60) * 1000,
  };
}
