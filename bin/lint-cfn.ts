/**
 * `npm run lint:cfn`: synthesizes every environment CI deploys (infra/config.ts
 * SYNTHESIZED_ENVIRONMENTS) exactly as `cdk synth -c env=<env>` does — the same app builder, with
 * cdk-nag — but without bundling the functions' code (the templates are the same but for asset
 * hashes), then lints every template with cfn-lint (pinned in localstack/config.ts, installed into
 * `.venv` like the emulator). Findings ignored on purpose are listed, each with its reason, in
 * `.cfnlintrc.yaml`; any other error or warning fails the run.
 *
 * Templates go to `cdk.out/lint/<env>/`. Prints one line per environment and the findings.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SYNTHESIZED_ENVIRONMENTS } from '../infra/config.ts';
import { buildTempora } from '../infra/tempora.ts';
import { CFN_LINT_VERSION, loadLocalConfig, repoRoot } from '../localstack/config.ts';
import { elapsed, info, LocalError, step } from '../localstack/progress.ts';
import { ensureCfnLint } from '../localstack/venv.ts';

/** Synthesizes `environment` into `outdir`; returns its template files. */
function synth(environment: string, outdir: string): string[] {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const app = new App({
    outdir,
    context: { env: environment, 'aws:cdk:bundling-stacks': [] },
    // cfn-lint below is the template check; CDK's built-in one would only repeat it, slower.
    builtinCloudFormationValidation: false,
  });
  buildTempora(app, { environment });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => join(outdir, f));
}

/** Runs cfn-lint on `templates`; resolves to its exit code and output. */
function cfnLint(bin: string, templates: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--config-file', join(repoRoot(), '.cfnlintrc.yaml'), '--', ...templates], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const cfg = loadLocalConfig();
  const bin = await ensureCfnLint(cfg);
  const out = join(repoRoot(), 'cdk.out', 'lint');
  const synthesized: Array<{ environment: string; templates: string[] }> = [];
  for (const environment of SYNTHESIZED_ENVIRONMENTS) {
    const s = step(`cdk synth -c env=${environment} (cdk-nag; no bundling) → cdk.out/lint/${environment}`);
    try {
      const templates = synth(environment, join(out, environment));
      s.done(`${environment}: ${templates.length} templates`);
      synthesized.push({ environment, templates });
    } catch (e) {
      s.fail();
      throw e;
    }
  }
  // One cfn-lint per environment, side by side (each is single-threaded).
  const s = step(
    `cfn-lint ${CFN_LINT_VERSION} on ${synthesized.flatMap((x) => x.templates).length} templates`,
  );
  const results = await Promise.all(synthesized.map((x) => cfnLint(bin, x.templates)));
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) {
    s.fail();
    for (const r of failed) console.log(r.output.trim());
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    const errors = failed.some((r) => (r.code & 2) !== 0);
    throw new LocalError(
      `cfn-lint found ${errors ? 'errors' : 'warnings'}: fix them, or list a warning in .cfnlintrc.yaml with its reason`,
    );
  }
  s.done('no errors, no warnings (beyond those listed in .cfnlintrc.yaml)');
  info(`lint:cfn took ${elapsed(started)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[lint:cfn] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
