/**
 * localstack/dead-letters.ts (pure parts) on the real stack's template, and `tempora dlq` usage.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../../bin/cli.ts';
import { registry } from '../../../lib/registry/index.ts';
import {
  deadLetterPayload,
  declaredDeadLetters,
  findQueue,
  referencedId,
  ruleAddress,
  shortName,
} from '../../../localstack/dead-letters.ts';
import { logicalIdOf } from '../../../localstack/templates.ts';
import { mergedTemplate, platformApp } from '../support/platform.ts';

let outdir: string;
let declared: ReturnType<typeof declaredDeadLetters>;

beforeAll(() => {
  // The platform's stacks read as one (queues in the data stack, their users importing them).
  const platform = platformApp({ environment: 'dev' });
  outdir = platform.outdir;
  declared = declaredDeadLetters(mergedTemplate(platform.app.synth(), platform.stacks.all));
}, 120_000);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('declaredDeadLetters (the stacks’ templates as one)', () => {
  it('finds the DLQ of every consuming function and of its rule target, the same queue', () => {
    const consumers = registry.filter((s) => s.consumes.length > 0).length;
    // Registry consumers, plus the scheduler, Amadeus and broadcast (declared outside the registry loop).
    expect(declared.functions.length).toBeGreaterThanOrEqual(consumers);
    expect(declared.targets.length).toBe(declared.functions.length);
    for (const t of declared.targets) {
      expect(declared.functions).toContainEqual({ fn: t.fn, queue: t.queue });
      expect(t.retryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
      expect(t.bus).toMatch(/^Tempora-dev\/NexusBus/);
    }
  });

  it('finds the outbox stream on-failure queue and the schedules’ DLQ', () => {
    expect(declared.streams).toHaveLength(1);
    expect(declared.streams[0]?.queue).toMatch(/^Tempora-dev\/NexusPublisherDlq/);
    expect(declared.schedules).toHaveLength(1);
    expect(declared.schedules[0]?.queue).toMatch(/^Tempora-dev\/ScheduleTargetDlq/);
  });

  it('names every queue once', () => {
    const names = declared.queues.map((q) => shortName(logicalIdOf(q)));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('nexus-publisher');
    expect(names).toContain('analytics-events');
  });
});

describe('helpers', () => {
  it('shortName drops the hash and Dlq and kebab-cases', () => {
    expect(shortName('NexusPublisherDlqEF30A11C')).toBe('nexus-publisher');
    expect(shortName('LocalizationEventsDlq5965F20F')).toBe('localization-events');
    expect(shortName('BroadcastEventsDlq185E326F')).toBe('broadcast-events');
  });

  it('referencedId reads Ref and Fn::GetAtt', () => {
    expect(referencedId({ Ref: 'A' })).toBe('A');
    expect(referencedId({ 'Fn::GetAtt': ['Q', 'Arn'] })).toBe('Q');
    expect(referencedId({ 'Fn::GetAtt': 'Q.Arn' })).toBe('Q');
    expect(referencedId('arn:aws:sqs:x')).toBeUndefined();
  });

  it('ruleAddress splits AWS’s bus|rule physical id', () => {
    expect(ruleAddress('bus|rule')).toEqual(['bus', 'rule']);
    expect(ruleAddress('rule', 'bus')).toEqual(['bus', 'rule']);
  });

  it('deadLetterPayload unwraps a destination record and keeps a plain event', () => {
    const event = { 'detail-type': 'x', detail: { id: '1' } };
    expect(deadLetterPayload(JSON.stringify(event))).toEqual(event);
    expect(
      deadLetterPayload(
        JSON.stringify({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: event }),
      ),
    ).toEqual(event);
  });

  it('findQueue matches the short name, the logical id or the URL', () => {
    const q = {
      name: 'a-events',
      stack: 'Tempora-dev',
      logicalId: 'AEventsDlq12345678',
      url: 'http://h/1/q',
      arn: '',
      sources: [],
    };
    expect(findQueue([q], 'a-events')).toBe(q);
    expect(findQueue([q], 'aeventsdlq12345678')).toBe(q);
    expect(findQueue([q], 'http://h/1/q')).toBe(q);
    expect(findQueue([q], 'b')).toBeUndefined();
  });
});

describe('tempora dlq usage', () => {
  const io = (): CliIo & { text: () => string } => {
    let t = '';
    const add = (s: string): void => {
      t += s;
    };
    return { out: add, err: add, text: () => t };
  };
  it('prints its help', async () => {
    const c = io();
    expect(await runCli(['dlq', '--help'], c)).toBe(0);
    expect(c.text()).toContain('tempora dlq redrive <name>');
  });
  it.each([
    [['dlq', 'redrive']],
    [['dlq', 'list', 'extra']],
    [['dlq', 'purge', 'x']],
    [['dlq', 'redrive', 'x', '--max', '0']],
  ])('refuses %j with exit 2', async (argv) => {
    const c = io();
    expect(await runCli(argv, c)).toBe(2);
  });
});
