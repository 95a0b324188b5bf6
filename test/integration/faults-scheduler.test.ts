/**
 * Issue 12, item 5: the scheduler target fails on fire. The intent is scheduled while all is
 * well; then the campaign table the scheduler writes to is one that does not exist (its
 * ENTITY_TABLES, through the function's configuration). The firing is retried (Lambda's
 * asynchronous retries, as EventBridge Scheduler invokes its target), then the intent is
 * `failed` with `scheduler.failed`; the action never runs, and a late duplicate of the firing
 * does nothing.
 *
 * And an entity gone before its deletion event reaches the scheduler (its row removed from
 * outside, so no event cancels the intent): a `run_pattern` intent firing then is cancelled
 * (`entity_deleted`), its pattern never runs.
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntentRecord } from '../../lib/scheduler/service.ts';
import { BusTap } from './support/bus-tap.ts';
import { api, dynamo, eventually, table } from './support/client.ts';
import { functionEnvironment, lambdaClient, patchEnvironment } from './support/faults.ts';
import { loadOutputs } from './support/outputs.ts';

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => tap?.close());

async function intentRow(id: string): Promise<IntentRecord | undefined> {
  const r = await dynamo().send(
    new GetCommand({ TableName: table('schedulerIntents'), Key: { id }, ConsistentRead: true }),
  );
  return r.Item as IntentRecord | undefined;
}

describe('fault: the scheduler target fails on fire', () => {
  it('retries, then failed with scheduler.failed; the action never runs, a late duplicate does nothing', async () => {
    const fn = loadOutputs().stackOutputs.SchedulerFunctionName as string;
    const c = await api<{ id: string; state?: string }>('POST', '/api/campaigns', {
      body: { name: `fault ${randomUUID().slice(0, 8)}` },
    });
    expect(c.status, c.text).toBe(201);
    const campaignId = c.body.id;
    const scheduled = await api<IntentRecord>('POST', '/api/scheduler/intents', {
      body: {
        action: 'archive',
        run_at: new Date(Date.now() + 15_000).toISOString(),
        pattern: 'fault-archive',
        cancel_on: [],
        entity: { type: 'campaign', id: campaignId },
      },
    });
    expect(scheduled.status, scheduled.text).toBe(202);
    const intentId = scheduled.body.id;

    // The fault: the campaign table the scheduler writes to does not exist.
    const env = await functionEnvironment(fn);
    const tables = JSON.parse(env.ENTITY_TABLES ?? '{}') as Record<string, string>;
    expect(tables.campaign).toBeTruthy();
    const restore = await patchEnvironment(fn, {
      ENTITY_TABLES: JSON.stringify({ ...tables, campaign: `${tables.campaign}-missing` }),
    });
    let failed: IntentRecord;
    try {
      failed = await eventually(
        async () => {
          const i = await intentRow(intentId);
          return i && ['failed', 'executed'].includes(i.status) ? i : undefined;
        },
        90_000,
        'the intent to fail',
      );
    } finally {
      await restore();
    }
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(3);
    const events = await tap.waitFor((seen) =>
      seen.some((e) => e.detailType === 'scheduler.failed' && e.envelope.payload?.intent_id === intentId),
    );
    const ofIntent = (type: string) =>
      events.filter((e) => e.detailType === type && e.envelope.payload?.intent_id === intentId);

    // Repaired, and the firing delivered once more (a late retry or a redrive): nothing runs.
    const again = await lambdaClient().send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: new TextEncoder().encode(
          JSON.stringify({ kind: 'scheduler.fire', intent_id: intentId, generation: failed.generation }),
        ),
      }),
    );
    const outcome = JSON.parse(new TextDecoder().decode(again.Payload)) as { outcome?: string };
    expect(again.FunctionError, JSON.stringify(outcome)).toBeUndefined();
    expect(outcome.outcome).toBe('skipped');
    const after = await intentRow(intentId);
    expect(after?.status).toBe('failed');
    expect(after?.attempts).toBe(3);
    const campaign = await api<{ state?: string; version: number }>('GET', `/api/campaigns/${campaignId}`);
    expect(campaign.status).toBe(200);
    expect(campaign.body.state).not.toBe('archived');
    expect(ofIntent('scheduler.executed')).toEqual([]);
    expect(ofIntent('scheduler.failed')).toHaveLength(1);
    console.log(
      `[fault scheduler-target] attempts ${failed.attempts} (then failed), scheduler.failed ${ofIntent('scheduler.failed').length}, ` +
        `scheduler.executed ${ofIntent('scheduler.executed').length}, action executed 0 times (campaign ${campaign.body.state ?? 'unset'}), ` +
        `late duplicate firing → ${outcome.outcome}`,
    );
  });
});

describe('fault: the entity is gone before its deletion event reaches the scheduler', () => {
  it('a run_pattern intent firing then is cancelled (entity_deleted); its pattern never runs', async () => {
    const fn = loadOutputs().stackOutputs.SchedulerFunctionName as string;
    const c = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: `gone ${randomUUID().slice(0, 8)}` },
    });
    expect(c.status, c.text).toBe(201);
    const scheduled = await api<IntentRecord>('POST', '/api/scheduler/intents', {
      body: {
        action: 'run_pattern',
        run_at: new Date(Date.now() + 3_600_000).toISOString(),
        pattern: 'waitlist',
        payload: { size: 3 },
        cancel_on: [],
        entity: { type: 'campaign', id: c.body.id },
      },
    });
    expect(scheduled.status, scheduled.text).toBe(202);
    const intentId = scheduled.body.id;

    // The fault: the campaign's row is gone and no campaign.deleted event will come.
    await dynamo().send(new DeleteCommand({ TableName: table('campaign'), Key: { id: c.body.id } }));
    // Its schedule fires (EventBridge Scheduler invokes the function with this payload).
    const fired = await lambdaClient().send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: new TextEncoder().encode(
          JSON.stringify({
            kind: 'scheduler.fire',
            intent_id: intentId,
            generation: scheduled.body.generation,
          }),
        ),
      }),
    );
    const outcome = JSON.parse(new TextDecoder().decode(fired.Payload)) as { outcome?: string };
    expect(fired.FunctionError, JSON.stringify(outcome)).toBeUndefined();
    expect(outcome.outcome).toBe('cancelled');
    expect(await intentRow(intentId)).toMatchObject({ status: 'cancelled', reason: 'entity_deleted' });
    const events = await tap.waitFor((seen) =>
      seen.some((e) => e.detailType === 'scheduler.cancelled' && e.envelope.payload?.intent_id === intentId),
    );
    expect(
      events.filter((e) => e.detailType === 'pattern.run' && e.envelope.payload?.intent_id === intentId),
    ).toEqual([]);
  });
});
