/**
 * Nexus routing for a consumer of specific event types, whatever the registry declares today:
 * the registry is mocked so that `talent` consumes two event types, and a stack is synthesized
 * without bundling. Its rule must match exactly those detail types, retry, and dead-letter.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as registryModule from '../../../lib/registry/index.ts';
import {
  type CfnTemplate,
  type FnInfo,
  fnLabelled,
  functionsOf,
  grantsOf,
  onlyResource,
  render,
  resourcesOf,
} from '../support/template.ts';

const CONSUMED = ['user.created', 'user.deleted'];

vi.mock('../../../lib/registry/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof registryModule>();
  return {
    ...original,
    registry: original.registry.map((s) => (s.name === 'talent' ? { ...s, consumes: CONSUMED } : s)),
  };
});

const { mergedTemplate, platformApp } = await import('../support/platform.ts');
const { registry } = await import('../../../lib/registry/index.ts');

let outdir: string;
let json: CfnTemplate;
let fns: FnInfo[];

beforeAll(() => {
  const platform = platformApp({ environment: 'test' });
  outdir = platform.outdir;
  json = mergedTemplate(platform.app.synth(), platform.stacks.all);
  fns = functionsOf(json, platform.stacks.all);
}, 120_000);

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

/** The bus rules (event patterns, not schedules) targeting `fn`. */
const rulesTargeting = (fn: FnInfo) =>
  resourcesOf(json, 'AWS::Events::Rule').filter(
    ([, p]) =>
      p.EventPattern !== undefined &&
      (p.Targets as Array<{ Arn: unknown }>).some((t) => render(t.Arn) === `${fn.id}.Arn`),
  );

describe('a registry service consuming specific event types', () => {
  it('is what the mocked registry says', () => {
    expect(registry.find((s) => s.name === 'talent')?.consumes).toEqual(CONSUMED);
  });

  it('gets one rule on the bus matching tempora.* sources and exactly those detail types', () => {
    const rules = rulesTargeting(fnLabelled(fns, 'talent'));
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] ?? ['', {}];
    expect(rule.EventBusName).toEqual({ Ref: onlyResource(json, 'AWS::Events::EventBus')[0] });
    expect(rule.EventPattern).toEqual({ source: [{ prefix: 'tempora.' }], 'detail-type': CONSUMED });
  });

  it('is targeted with retries and a dead-letter queue, its async DLQ too, and may only send to it', () => {
    const fn = fnLabelled(fns, 'talent');
    const [, rule] = rulesTargeting(fn)[0] ?? ['', {}];
    const targets = rule.Targets as Array<Record<string, unknown>>;
    expect(targets).toHaveLength(1);
    const target = targets[0] ?? {};
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 });
    const dlq = render((target.DeadLetterConfig as { Arn: unknown }).Arn);
    expect(json.Resources[dlq.replace(/\.Arn$/, '')]?.Type).toBe('AWS::SQS::Queue');
    expect(render((fn.props.DeadLetterConfig as { TargetArn: unknown }).TargetArn)).toBe(dlq);
    const sqs = grantsOf(json, fn).filter((g) => g.action.startsWith('sqs:'));
    expect(sqs).toEqual([{ action: 'sqs:SendMessage', resource: dlq, condition: '' }]);
  });

  it('leaves the `*` consumers matching every tempora.* event, without a detail-type filter', () => {
    for (const label of ['security', 'SchedulerService']) {
      const rules = rulesTargeting(fnLabelled(fns, label));
      expect(rules.map(([, p]) => p.EventPattern)).toEqual([{ source: [{ prefix: 'tempora.' }] }]);
    }
  });
});
