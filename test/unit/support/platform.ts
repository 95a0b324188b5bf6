/**
 * The platform of one environment synthesized for a test: its stacks (infra/tempora.ts) and their
 * templates read as one (localstack/templates.ts: ids qualified `<stack>/<logicalId>`, imports
 * resolved), so checks that follow references across stacks read like checks of one stack.
 * Outputs are keyed by their plain names (unique across the stacks), CDK's exports left out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildTempora, type TemporaStacks } from '../../../infra/tempora.ts';
import { logicalIdOf, mergeTemplates } from '../../../localstack/templates.ts';
import type { CfnTemplate } from './template.ts';

export interface PlatformOptions {
  environment: string;
  /** Bundle the functions with esbuild (slow); default false. */
  bundling?: boolean;
  /** Extra CDK context. */
  context?: Record<string, unknown>;
}

export interface TestPlatform {
  app: App;
  stacks: TemporaStacks;
  outdir: string;
}

/** Builds (does not synthesize) the platform in a fresh app writing to a temporary folder. */
export function platformApp(opts: PlatformOptions): TestPlatform {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `tempora-${opts.environment}-`));
  const app = new App({
    outdir,
    context: {
      env: opts.environment,
      ...(opts.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...opts.context,
    },
    // CDK's own template validation (~10 s a synth): npm run lint:cfn runs cfn-lint on the templates.
    builtinCloudFormationValidation: false,
  });
  try {
    return { app, stacks: buildTempora(app, { environment: opts.environment }), outdir };
  } catch (e) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw e;
  }
}

/** A stack's template as synthesized into `assembly`. */
export const templateIn = (assembly: CloudAssembly, stack: Stack): CfnTemplate =>
  assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;

/** The stacks' templates in `assembly` as one (see the file comment). */
export function mergedTemplate(assembly: CloudAssembly, stacks: readonly Stack[]): CfnTemplate {
  const merged = mergeTemplates(
    stacks.map((s) => ({ name: s.stackName, template: templateIn(assembly, s) })),
  );
  const outputs = Object.entries(merged.Outputs ?? {})
    .map(([k, v]) => [logicalIdOf(k), v] as const)
    .filter(([k]) => !k.startsWith('ExportsOutput'));
  return { Resources: merged.Resources, Outputs: Object.fromEntries(outputs) } as CfnTemplate;
}
