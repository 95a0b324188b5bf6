/**
 * Production safety (issue 12, item 6): on a non-ephemeral stack every DynamoDB table has
 * deletion protection, point-in-time recovery and a RETAIN policy; a table added without
 * point-in-time recovery fails the synth. Ephemeral stacks (dev, test, …) stay disposable.
 */
import * as fs from 'node:fs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataStack } from '../../../infra/data-stack.ts';
import { platformApp } from '../support/platform.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The data stack of `environment` (where every table is), without asset bundling (cheap). */
function stackOf(
  environment: string,
  extra?: (s: DataStack) => void,
): { stack: DataStack; template: Template } {
  const { stacks, outdir } = platformApp({ environment });
  dirs.push(outdir);
  extra?.(stacks.data);
  return { stack: stacks.data, template: Template.fromStack(stacks.data) };
}

const TIMEOUT = 120_000;

describe('tables of a production stack', () => {
  it(
    'every table: deletion protection, point-in-time recovery, retained with the stack',
    () => {
      const { template } = stackOf('prod');
      const tables = template.findResources('AWS::DynamoDB::Table');
      expect(Object.keys(tables).length).toBeGreaterThan(20);
      for (const [id, t] of Object.entries(tables)) {
        expect({ id, protection: t.Properties.DeletionProtectionEnabled }).toEqual({ id, protection: true });
        expect({ id, pitr: t.Properties.PointInTimeRecoverySpecification }).toEqual({
          id,
          pitr: { PointInTimeRecoveryEnabled: true },
        });
        expect({ id, policy: t.DeletionPolicy, update: t.UpdateReplacePolicy }).toEqual({
          id,
          policy: 'Retain',
          update: 'Retain',
        });
      }
    },
    TIMEOUT,
  );

  it(
    'a table added without point-in-time recovery is an error of the synth',
    () => {
      const { stack } = stackOf('prod', (s) => {
        new dynamodb.Table(s, 'Careless', {
          partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
          removalPolicy: RemovalPolicy.RETAIN,
        });
      });
      Annotations.fromStack(stack).hasError(
        '/Tempora-prod/Careless/Resource',
        Match.stringLikeRegexp('point-in-time recovery'),
      );
    },
    TIMEOUT,
  );

  it(
    'an ephemeral stack (dev) stays disposable: no deletion protection, destroyed with the stack',
    () => {
      const { template } = stackOf('dev');
      for (const t of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
        expect(t.Properties.DeletionProtectionEnabled).toBeUndefined();
        expect(t.DeletionPolicy).toBe('Delete');
      }
    },
    TIMEOUT,
  );
});
