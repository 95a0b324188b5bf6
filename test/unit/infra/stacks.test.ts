/**
 * The platform's stacks (issue 24): within CloudFormation's limits, the state in one stack whose
 * logical ids do not move, alarms derived from every resource, one dashboard, and environment
 * configuration refused at synth naming the key. Synthesized without bundling (cheap); cdk-nag
 * runs over the same stacks in infra.test.ts.
 */
import * as fs from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHESIZED_ENVIRONMENTS } from '../../../infra/config.ts';
import { STATEFUL_TYPES } from '../../../infra/data-stack.ts';
import type { TemporaStacks } from '../../../infra/tempora.ts';
import statefulIds from '../fixtures/stateful-logical-ids.json' with { type: 'json' };
import { platformApp, templateIn } from '../support/platform.ts';
import type { CfnResource, CfnTemplate } from '../support/template.ts';

/** CloudFormation's hard limit is 500 resources per stack; the gate keeps a fifth of it free. */
const RESOURCE_GATE = 400;
/** Where each stack should stay with today's registry: 60 % of 500. */
const RESOURCE_TARGET = 300;
const TIMEOUT = 180_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Synthesized {
  stacks: TemporaStacks;
  templates: Map<Stack, CfnTemplate>;
}

function synth(environment: string, context: Record<string, unknown> = {}): Synthesized {
  const { app, stacks, outdir } = platformApp({ environment, context });
  dirs.push(outdir);
  const assembly = app.synth();
  return { stacks, templates: new Map(stacks.all.map((s) => [s, templateIn(assembly, s)])) };
}

const byEnv = new Map<string, Synthesized>();
beforeAll(() => {
  for (const env of SYNTHESIZED_ENVIRONMENTS) byEnv.set(env, synth(env));
}, TIMEOUT);

const entries = (t: CfnTemplate, type: string): Array<[string, CfnResource]> =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const dev = () => byEnv.get('dev') as Synthesized;

describe('resources per stack', () => {
  it(`every stack of every environment stays at or below ${RESOURCE_GATE} resources (CloudFormation stops at 500)`, () => {
    const rows: string[] = [];
    for (const [env, { templates }] of byEnv)
      for (const [stack, t] of templates) {
        const n = Object.keys(t.Resources).length;
        rows.push(`${env.padEnd(5)} ${stack.stackName.padEnd(24)} ${String(n).padStart(4)} resources`);
        expect({ stack: stack.stackName, n, over: n > RESOURCE_GATE }).toEqual({
          stack: stack.stackName,
          n,
          over: false,
        });
      }
    console.log(
      `[resources] per stack (gate ${RESOURCE_GATE}, target ${RESOURCE_TARGET}):\n${rows.join('\n')}`,
    );
  });

  it(`today each stack is within ${RESOURCE_TARGET} (60 % of 500): room for the next services`, () => {
    for (const { templates } of byEnv.values())
      for (const [stack, t] of templates)
        expect({ stack: stack.stackName, n: Object.keys(t.Resources).length <= RESOURCE_TARGET }).toEqual({
          stack: stack.stackName,
          n: true,
        });
  });

  it('the stacks deploy in order: services after the data, the API after both', () => {
    const { data, services, api } = dev().stacks;
    expect([data, services, api].map((s) => s.stackName)).toEqual([
      'Tempora-dev',
      'Tempora-dev-services',
      'Tempora-dev-api',
    ]);
    expect(data.dependencies).toEqual([]);
    expect(services.dependencies).toEqual([data]);
    expect(new Set(api.dependencies)).toEqual(new Set([data, services]));
  });
});

describe('the state lives in the data stack, under the logical ids it always had', () => {
  it('no stateless stack holds a table, queue, bucket, secret, bus or schedule group: redeploying one never replaces them', () => {
    for (const { stacks, templates } of byEnv.values())
      for (const stack of [stacks.services, stacks.api]) {
        const stateful = Object.entries(templates.get(stack)?.Resources ?? {})
          .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
          .map(([id, r]) => `${id} ${r.Type}`);
        expect({ stack: stack.stackName, stateful }).toEqual({ stack: stack.stackName, stateful: [] });
      }
  });

  it('every stateful resource keeps the logical id of the single-stack platform (a new id would replace it)', () => {
    for (const { stacks, templates } of byEnv.values()) {
      const data = templates.get(stacks.data) as CfnTemplate;
      const found = Object.fromEntries(
        Object.keys(statefulIds).map((id) => [id, data.Resources[id]?.Type ?? 'missing']),
      );
      expect(found).toEqual(statefulIds);
    }
  });

  it('the outputs that name state are the data stack’s: tables, the secret, the bus, the dead-letter queues operators redrive', () => {
    const data = dev().templates.get(dev().stacks.data) as CfnTemplate;
    const outputs = Object.keys(data.Outputs ?? {});
    for (const key of [
      'JwtSecretArn',
      'EventBusName',
      'TableMetadataMaster',
      'PublisherDlqUrl',
      'LocalizationEventsDlqUrl',
      'SearchEventsDlqUrl',
      'ExportsBucketName',
    ])
      expect(outputs).toContain(key);
  });

  it(
    'a table built in a stateless stack without stateful() fails the synth, naming it',
    () => {
      const { app, stacks, outdir } = platformApp({ environment: 'test' });
      dirs.push(outdir);
      new dynamodb.Table(stacks.services, 'Stray', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      expect(() => app.synth()).toThrow(
        /Tempora-test-services\/Stray\/Resource: AWS::DynamoDB::Table holds state/,
      );
    },
    TIMEOUT,
  );

  it('the data stack of a production environment has termination protection; a dev one does not', () => {
    expect(byEnv.get('prod')?.stacks.data.terminationProtection).toBe(true);
    expect(dev().stacks.data.terminationProtection).toBe(false);
  });
});

/** Alarms of a template by the logical id their dimension names (`Ref` / `Fn::GetAtt … QueueName`). */
function alarmsOn(t: CfnTemplate, id: string): string[] {
  return entries(t, 'AWS::CloudWatch::Alarm')
    .filter(([, a]) =>
      JSON.stringify(a.Properties?.Dimensions ?? []).match(new RegExp(`"(Ref|Fn::GetAtt)":(\\["|")${id}"`)),
    )
    .map(([, a]) => String(a.Properties?.MetricName))
    .sort();
}

describe('alarms, derived from what each stack holds', () => {
  const each = (type: string, want: string[]) => () => {
    for (const [stack, t] of dev().templates)
      for (const [id] of entries(t, type))
        expect({ stack: stack.stackName, id, alarms: alarmsOn(t, id) }).toEqual({
          stack: stack.stackName,
          id,
          alarms: want,
        });
  };

  it(
    'every function: errors, throttles, p99 duration near its timeout',
    each('AWS::Lambda::Function', ['Duration', 'Errors', 'Throttles']),
  );
  it(
    'every dead-letter queue: depth and age of the oldest message',
    each('AWS::SQS::Queue', ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible']),
  );
  it(
    'every table: read and write throttles',
    each('AWS::DynamoDB::Table', ['ReadThrottleEvents', 'WriteThrottleEvents']),
  );
  it(
    'the ticker state machine: failed and timed-out executions',
    each('AWS::StepFunctions::StateMachine', ['ExecutionsFailed', 'ExecutionsTimedOut']),
  );

  it('the APIs: HTTP 5xx share and p99 latency; WebSocket integration errors', () => {
    for (const [, t] of dev().templates)
      for (const [id, api] of entries(t, 'AWS::ApiGatewayV2::Api'))
        expect(alarmsOn(t, id)).toEqual(
          api.Properties?.ProtocolType === 'WEBSOCKET' ? ['IntegrationError'] : ['5xx', 'Latency'],
        );
  });

  it('the duration alarm is a share of the function’s own timeout; the 5xx alarm a share of requests', () => {
    const { services, api } = dev().stacks;
    const t = dev().templates.get(services) as CfnTemplate;
    for (const [id, fn] of entries(t, 'AWS::Lambda::Function')) {
      const alarm = entries(t, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a)
        .find(
          (a) =>
            a.Properties?.MetricName === 'Duration' &&
            JSON.stringify(a.Properties?.Dimensions).includes(`"${id}"`),
        ) as CfnResource;
      expect(alarm.Properties?.ExtendedStatistic).toBe('p99');
      expect(alarm.Properties?.Threshold).toBe(Number(fn.Properties?.Timeout) * 1000 * 0.8);
    }
    const apiT = dev().templates.get(api) as CfnTemplate;
    const fivexx = entries(apiT, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties?.MetricName === '5xx',
    );
    expect(fivexx?.[1].Properties).toMatchObject({ Statistic: 'Average', Threshold: 0.05 });
  });

  it('the scheduler’s schedule group: target errors and invocations lost before the dead-letter queue', () => {
    const t = dev().templates.get(dev().stacks.data) as CfnTemplate;
    const scheduler = entries(t, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties?.Namespace === 'AWS/Scheduler')
      .map(([, a]) => [a.Properties?.MetricName, a.Properties?.Dimensions]);
    expect(scheduler).toEqual([
      ['TargetErrorCount', [{ Name: 'ScheduleGroup', Value: 'tempora-dev' }]],
      ['InvocationsFailedToBeSentToDeadLetterCount', [{ Name: 'ScheduleGroup', Value: 'tempora-dev' }]],
    ]);
  });

  it('the broadcaster’s own figures: thinned frames, throttled posts, late ticks', () => {
    const t = dev().templates.get(dev().stacks.services) as CfnTemplate;
    const own = entries(t, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties?.Namespace === 'Tempora')
      .map(
        ([, a]) =>
          `${a.Properties?.MetricName} ${a.Properties?.Statistic ?? a.Properties?.ExtendedStatistic}`,
      );
    expect(own.sort()).toEqual(['FramesThinned Sum', 'PostsThrottled Sum', 'TickLateness p99']);
  });

  it('every alarm of a stack notifies that stack’s one topic, in the plain single-metric form', () => {
    const counts = new Map<string, number>();
    for (const { stacks, templates } of byEnv.values()) {
      for (const [i, stack] of stacks.all.entries()) {
        const t = templates.get(stack) as CfnTemplate;
        const topics = entries(t, 'AWS::SNS::Topic').map(([id]) => id);
        expect(topics).toHaveLength(1);
        for (const [, a] of entries(t, 'AWS::CloudWatch::Alarm')) {
          expect(a.Properties?.AlarmActions).toEqual([{ Ref: topics[0] }]);
          expect(a.Properties?.Metrics).toBeUndefined();
          expect(typeof a.Properties?.AlarmName).toBe('string');
        }
        if (stack.stackName.startsWith('Tempora-dev'))
          for (const w of stacks.watches[i]?.alarms ?? []) counts.set(w.kind, (counts.get(w.kind) ?? 0) + 1);
      }
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `[alarms] dev, per kind: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}; total ${total}`,
    );
  });

  it(
    'alarm email from the config subscribes to every stack’s topic',
    () => {
      const { stacks, templates } = synth('test', { alarmEmail: 'ops@example.com' });
      for (const s of stacks.all)
        expect(
          entries(templates.get(s) as CfnTemplate, 'AWS::SNS::Subscription').map(([, r]) => r.Properties),
        ).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' })]);
      // Without one, no subscription.
      for (const s of dev().stacks.all)
        expect(entries(dev().templates.get(s) as CfnTemplate, 'AWS::SNS::Subscription')).toEqual([]);
    },
    TIMEOUT,
  );

  it('one dashboard per environment, in the API stack, with the live-campaign figures', () => {
    for (const [env, { stacks, templates }] of byEnv) {
      const dashboards = stacks.all.flatMap((s) =>
        entries(templates.get(s) as CfnTemplate, 'AWS::CloudWatch::Dashboard').map(
          ([, r]) => [s, r] as const,
        ),
      );
      expect(dashboards).toHaveLength(1);
      const [stack, dash] = dashboards[0] as [Stack, CfnResource];
      expect(stack).toBe(stacks.api);
      expect(dash.Properties?.DashboardName).toBe(`tempora-${env}`);
      const body = JSON.stringify(dash.Properties?.DashboardBody);
      for (const figure of [
        'FramesSent',
        'FramesThinned',
        'PostsThrottled',
        'TickLateness',
        'ExecutionsStarted',
        'ConnectCount',
      ])
        expect(body).toContain(figure);
    }
  });
});

describe('environment configuration', () => {
  it(
    'every broadcaster together posts its share of the account’s API Gateway quota (the ticker’s settings)',
    () => {
      const { stacks, templates } = synth('test', { broadcastBudgetShare: '0.25' });
      const t = templates.get(stacks.services) as CfnTemplate;
      const shares = entries(t, 'AWS::Lambda::Function')
        .map(
          ([, f]) =>
            (f.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
        )
        .filter((v) => v?.ACCOUNT_POST_SHARE !== undefined)
        .map((v) => [v?.ACCOUNT_POST_SHARE, v?.ACCOUNT_POST_QUOTA]);
      expect(shares).toEqual([['0.25', '10000']]);
    },
    TIMEOUT,
  );

  it.each([
    [
      'a threshold that is not a number',
      { 'thresholds.functionErrors': 'three' },
      /thresholds\.functionErrors must be a number \(got "three" from -c thresholds\.functionErrors\)/,
    ],
    [
      'an alarm email that is not an address',
      { alarmEmail: 'ops-at-example' },
      /alarmEmail must be an email address/,
    ],
    ['a budget share of 0', { broadcastBudgetShare: '0' }, /broadcastBudgetShare must be in \(0, 1\]/],
    [
      'a budget share above 1',
      { 'tempora:test': { broadcastBudgetShare: 1.5 } },
      /broadcastBudgetShare must be in \(0, 1\] \(got 1\.5 from context "tempora:test"\)/,
    ],
    [
      'a misspelt key',
      { 'tempora:test': { thresholds: { functionEror: 1 } } },
      /thresholds\.functionEror is not a setting/,
    ],
  ])('%s is refused at synth, naming the key', (_what, context, message) => {
    expect(() => platformApp({ environment: 'test', context })).toThrow(message);
  });
});

it('the stacks are env-agnostic unless given an account and region', () => {
  expect(
    dev().stacks.all.every((s) => Stack.of(s).environment === 'aws://unknown-account/unknown-region'),
  ).toBe(true);
});
