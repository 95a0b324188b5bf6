/**
 * `cdk bootstrap` (when the toolkit stack is missing) and `cdk deploy` of the environment's
 * stacks (`Tempora-<env>`, `-services`, `-api`, in dependency order) against an emulator, with the CDK CLI from node_modules. CDK's output goes to `.local/deploy.log`;
 * the terminal gets one progress line per phase (bundling, synthesis, deploy) with timings.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, type LocalConfig } from './config.ts';
import { runLogged } from './proc.ts';
import { elapsed, errorWithLog, info, type Step, step } from './progress.ts';
import { stackStatus } from './stack.ts';

/** Environment of every CDK CLI run against `endpoint`. */
export function cdkEnv(
  cfg: LocalConfig,
  endpoint: string,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: cfg.region,
    AWS_DEFAULT_REGION: cfg.region,
    TEMPORA_ENV: cfg.environment,
    CDK_DISABLE_CLI_TELEMETRY: base.CDK_DISABLE_CLI_TELEMETRY ?? 'true',
    // CDK's built-in template validation (~10 s a synth): `npm run lint:cfn` runs cfn-lint instead.
    CDK_VALIDATION: base.CDK_VALIDATION ?? 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
  // A profile or session token from the developer's shell must not win over the test keys.
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return env;
}

const cdkBin = (root: string): string =>
  join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'cdk.cmd' : 'cdk');

/** Bootstrap settings a project may put in cdk.json (qualifier, toolkit stack name). */
function bootstrapSettings(root: string): { qualifier?: string; toolkitStackName: string } {
  try {
    const json = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
      toolkitStackName?: unknown;
      context?: Record<string, unknown>;
    };
    const q = json.context?.['@aws-cdk/core:bootstrapQualifier'];
    return {
      qualifier: typeof q === 'string' ? q : undefined,
      toolkitStackName: typeof json.toolkitStackName === 'string' ? json.toolkitStackName : 'CDKToolkit',
    };
  } catch {
    return { toolkitStackName: 'CDKToolkit' };
  }
}

/** Prints "still running" when a long CDK step has been quiet for `quietMs`; returns the stop function. */
function heartbeat(s: Step, quietMs = 20_000): () => void {
  const timer = setInterval(() => {
    if (s.quietMs() >= quietMs) s.note('still running');
  }, 1000);
  return () => clearInterval(timer);
}

/** Runs `cdk bootstrap aws://000000000000/<region>` unless the toolkit stack already exists. */
export async function bootstrapIfNeeded(cfg: LocalConfig, endpoint: string): Promise<void> {
  const { root, localDir, deployLog } = cfg.paths;
  const { qualifier, toolkitStackName } = bootstrapSettings(root);
  const status = await stackStatus(endpoint, cfg.region, toolkitStackName);
  if (status && /_COMPLETE$/.test(status) && !/ROLLBACK|DELETE/.test(status)) return;

  const target = `aws://${LOCAL_ACCOUNT}/${cfg.region}`;
  const s = step(`bootstrapping CDK in ${target}`);
  const args = ['bootstrap', target, '--no-notices', '--toolkit-stack-name', toolkitStackName];
  if (qualifier) args.push('--qualifier', qualifier);
  // Run outside the repository so the CLI does not synthesize the app just to bootstrap.
  const stop = heartbeat(s);
  const code = await runLogged(cdkBin(root), args, {
    cwd: localDir,
    env: cdkEnv(cfg, endpoint),
    logFile: deployLog,
    append: true,
  }).finally(stop);
  if (code !== 0) {
    s.fail(`exit ${code}`);
    throw errorWithLog(`cdk bootstrap failed (exit ${code})`, deployLog);
  }
  s.done(`CDK bootstrapped (${toolkitStackName})`);
}

/** Turns CDK CLI output lines into progress notes for step `s`, one per stack and phase. */
export function cdkProgress(
  s: Step,
  stackNames: readonly string[],
): { onLine: (line: string) => void; summary: () => string } {
  let bundles = 0;
  const unchanged = new Set<string>();
  const deployed = new Set<string>();
  const seen = new Set<string>();
  const once = (key: string, message: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    s.note(message);
  };
  const onLine = (line: string): void => {
    if (/Bundling asset /.test(line)) {
      bundles += 1;
      once('bundling', 'bundling Lambda code (esbuild)');
    } else if (/Synthesis time: /.test(line)) {
      once('synth', `synthesized${bundles ? ` (${bundles} bundle${bundles > 1 ? 's' : ''})` : ''}`);
    } else if (/start: Publishing |Publishing assets/.test(line)) {
      once('publish', 'publishing assets');
    } else if (/❌/.test(line)) {
      once(`fail:${line}`, line.trim());
    } else {
      // Longest first: `Tempora-dev` is a prefix of `Tempora-dev-api`.
      const name = [...stackNames].sort((a, b) => b.length - a.length).find((n) => line.includes(n));
      if (!name) return;
      if (line.includes(`${name}: deploying`)) once(`deploy:${name}`, `deploying ${name}`);
      else if (line.includes(`${name} (no changes)`)) {
        unchanged.add(name);
        once(`nochange:${name}`, `${name}: no changes`);
      } else if (/✅/.test(line)) deployed.add(name);
    }
  };
  const summary = (): string => {
    const changed = [...deployed].filter((n) => !unchanged.has(n));
    if (changed.length === 0 && unchanged.size > 0) return 'no changes';
    return unchanged.size > 0 ? `deployed (${[...unchanged].join(', ')} unchanged)` : 'deployed';
  };
  return { onLine, summary };
}

/** Deploy options: `assembly`, a cloud assembly synthesized earlier (skips bundling and synthesis). */
export interface DeployOptions {
  assembly?: string;
}

/** `cdk deploy <every stack of the environment> --require-approval never` against `endpoint`. */
export async function deployStack(
  cfg: LocalConfig,
  endpoint: string,
  opts: DeployOptions = {},
): Promise<void> {
  const { root, deployLog, cdkOutputsFile } = cfg.paths;
  const stacks = cfg.stackNames.join(' ');
  const s = step(`cdk deploy ${stacks} to ${endpoint} (log: ${deployLog})`);
  const progress = cdkProgress(s, cfg.stackNames);
  const args = [
    'deploy',
    ...cfg.stackNames,
    '--require-approval',
    'never',
    '--outputs-file',
    cdkOutputsFile,
    ...(opts.assembly
      ? ['--app', opts.assembly]
      : [
          '-c',
          `env=${cfg.environment}`,
          // No Amazon Translate on the emulator: the deterministic offline provider (docs/localization.md).
          '-c',
          'translationProvider=offline',
          // Its CloudFormation cannot create an AppSync Event API: made after deploy (event-api.ts).
          '-c',
          'eventApi=external',
          // cdk-nag runs in npm test (lint:cfn on dev and prod, infra.test.ts), not on every local deploy.
          '-c',
          'nag=false',
          // Own cloud-assembly dir: a concurrent `cdk synth` in cdk.out does not block (or clobber) this one.
          '--output',
          join(cfg.paths.localDir, 'cdk.out'),
        ]),
    '--progress',
    'events',
    '--no-notices',
  ];
  const stop = heartbeat(s);
  const code = await runLogged(cdkBin(root), args, {
    cwd: root,
    env: cdkEnv(cfg, endpoint),
    logFile: deployLog,
    append: true,
    onLine: progress.onLine,
  }).finally(stop);
  if (code !== 0) {
    s.fail(`exit ${code}`);
    throw errorWithLog(`cdk deploy ${stacks} failed (exit ${code})`, deployLog, 60);
  }
  s.done(`${stacks}: ${progress.summary()}`);
}

/** Bootstrap when needed, then deploy; `.local/deploy.log` holds this run's CDK output. */
export async function bootstrapAndDeploy(
  cfg: LocalConfig,
  endpoint: string,
  opts: DeployOptions = {},
): Promise<void> {
  const started = Date.now();
  mkdirSync(cfg.paths.localDir, { recursive: true });
  if (!existsSync(join(cfg.paths.root, 'cdk.json'))) throw new Error(`no cdk.json in ${cfg.paths.root}`);
  writeFileSync(
    cfg.paths.deployLog,
    `# ${new Date().toISOString()} deploy ${cfg.stackName} to ${endpoint}\n`,
  );
  await bootstrapIfNeeded(cfg, endpoint);
  await deployStack(cfg, endpoint, opts);
  info(`bootstrap + deploy took ${elapsed(started)}`);
}
