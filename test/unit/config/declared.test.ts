/**
 * Configuration declared once: every function's synthesized environment against its
 * declaration (lib/config/declared.ts), both ways. Nothing set that the function does not
 * declare, nothing it reads missing, and each schema infra adds by registry need set whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack as CdkStack, type Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceFunction } from '../../../infra/constructs/service-function.ts';
import { type Declared, declaredEnv } from '../../../lib/config/declared.ts';
import { VARS } from '../../../lib/config/env.ts';
import { LIVE_VARS } from '../../../lib/config/env-live.ts';
import { qualify } from '../../../localstack/templates.ts';
import { mergedTemplate, platformApp } from '../support/platform.ts';
import type { CfnTemplate } from '../support/template.ts';

const FUNCTIONS_DIR = path.join(import.meta.dirname, '..', '..', '..', 'functions');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const names = (schemas: readonly Declared[]): Set<string> =>
  new Set(schemas.flatMap((s) => Object.values(s.vars).map((v) => v.name)));
const required = (s: Declared): string[] =>
  Object.values(s.vars)
    .filter((v) => !v.optional)
    .map((v) => v.name);

interface Synthesized {
  folder: string;
  path: string;
  keys: string[];
}

/** Every function of the platform of `environment`: its folder, construct path and variable names. */
function synth(environment: string): { fns: Synthesized[]; template: CfnTemplate } {
  const { app, stacks, outdir } = platformApp({ environment });
  dirs.push(outdir);
  app.synth();
  const all: Stack[] = stacks.all;
  const template = mergedTemplate(new CloudAssembly(outdir), all);
  const fns = app.node
    .findAll()
    .filter((c): c is ServiceFunction => c instanceof ServiceFunction)
    .map((sf) => {
      const stack = CdkStack.of(sf.fn);
      const cfn = sf.fn.node.defaultChild as lambda.CfnFunction;
      const id = qualify(stack.stackName, stack.resolve(stack.getLogicalId(cfn)) as string);
      const env = template.Resources[id]?.Properties?.Environment as
        | { Variables?: Record<string, unknown> }
        | undefined;
      return { folder: sf.folder, path: sf.node.path, keys: Object.keys(env?.Variables ?? {}).sort() };
    });
  return { fns, template };
}

const TIMEOUT = 180_000;

describe.each(['test', 'prod'])(
  'every function of Tempora-%s against its declared environment',
  (env) => {
    const { fns, template } = synth(env);

    it('covers every function under functions/', () => {
      const folders = fs
        .readdirSync(FUNCTIONS_DIR)
        .filter((f) => fs.existsSync(path.join(FUNCTIONS_DIR, f, 'index.ts')));
      expect(new Set(fns.map((f) => f.folder))).toEqual(new Set(folders));
    });

    it.each(fns.map((f) => [f.path, f] as const))(
      '%s sets only declared variables and every one it reads',
      (_, fn) => {
        const declared = declaredEnv(fn.folder);
        const allowed = names([...declared.reads, ...declared.added]);
        expect(
          fn.keys.filter((k) => !allowed.has(k)),
          'set but not declared',
        ).toEqual([]);
        const missing = declared.reads.flatMap(required).filter((k) => !fn.keys.includes(k));
        expect(missing, 'declared (read) but not set').toEqual([]);
        for (const schema of declared.added) {
          const given = Object.values(schema.vars).some((v) => fn.keys.includes(v.name));
          if (given)
            expect(
              required(schema).filter((k) => !fn.keys.includes(k)),
              'added in part',
            ).toEqual([]);
        }
      },
    );

    it('sets no Tempora variable on a function it does not build from functions/ (CDK providers)', () => {
      const ours = new Set([...Object.values(VARS), ...Object.values(LIVE_VARS)].map((v) => v.name));
      expect(fns.filter((f) => f.keys.length === 0)).toEqual([]);
      const others = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) =>
          Object.keys((r.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {}),
        )
        .filter((keys) => keys.some((k) => ours.has(k)));
      expect(others.length).toBe(fns.length);
    });
  },
  TIMEOUT,
);
