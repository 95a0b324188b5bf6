/**
 * Dead letters on the deployed stack (issue 12, items 4 and 5): every function and EventBridge
 * target has the DLQ its CDK declaration names; a consumer that keeps failing (its counters
 * table pointed elsewhere through its configuration, from outside the code) has its events
 * retried, then dead-lettered; `npx tempora dlq redrive` sends them back once it is repaired,
 * and each side effect (the analytics counters) happens exactly once.
 */
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeadLetterDepth, deadLetterPayload, listDeadLetters } from '../../localstack/dead-letters.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { tagCount } from './support/analytics.ts';
import { api, eventually } from './support/client.ts';
import { lambdaClient, patchEnvironment, tempora } from './support/faults.ts';
import { loadOutputs } from './support/outputs.ts';

const sqs = new SQSClient(emulatorClientConfig());
afterAll(() => sqs.destroy());

async function deadLetters(): Promise<DeadLetterDepth[]> {
  const o = loadOutputs();
  return listDeadLetters(o.endpoint, o.region, o.stackName);
}

type BridgeEvent = { id?: string; detail?: { id?: string; entity?: { id?: string } } };

/**
 * The events waiting in `queueUrl` by entity id. Every message is received once (so the next
 * receive returns the next ones), then made visible again at once: the queue is left as it was.
 */
async function waitingEvents(queueUrl: string): Promise<Map<string, BridgeEvent>> {
  const ids = new Map<string, BridgeEvent>();
  const handles: string[] = [];
  try {
    for (;;) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        if (m.ReceiptHandle) handles.push(m.ReceiptHandle);
        const event = deadLetterPayload(m.Body) as BridgeEvent;
        const id = event.detail?.entity?.id;
        if (id) ids.set(id, event);
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles
            .slice(i, i + 10)
            .map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return ids;
}

describe('dead letters', () => {
  it('every function and EventBridge target has the DLQ its CDK declaration names', async () => {
    const queues = await deadLetters();
    // One per consumer service, the outbox relay's and the scheduler's schedule targets'.
    expect(queues.length).toBeGreaterThanOrEqual(9);
    let functions = 0;
    for (const q of queues) {
      for (const s of q.sources.filter((x) => x.kind === 'function')) {
        const c = await lambdaClient().send(
          new GetFunctionConfigurationCommand({ FunctionName: s.functionName }),
        );
        expect(c.DeadLetterConfig?.TargetArn, s.functionName).toBe(q.arn);
        functions++;
      }
    }
    expect(functions).toBeGreaterThanOrEqual(8);
    const analytics = queues.find((q) => q.name === 'analytics-events');
    expect(analytics?.sources.map((s) => s.kind).sort()).toEqual(['function', 'rule-target']);
    const listed = await tempora('dlq', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^analytics-events\s+\d+\s+\d+\s+function /m);
  });

  it('a consumer that keeps failing: retried, dead-lettered, redriven, each side effect once', async () => {
    const o = loadOutputs();
    const fn = o.stackOutputs.AnalyticsFunctionName as string;
    const queue = (await deadLetters()).find((q) => q.name === 'analytics-events');
    if (!queue) throw new Error('no analytics-events dead-letter queue');
    const tag = `fault-${Date.now().toString(36)}`;
    const sent = 5;
    const ids: string[] = [];

    // The fault: the consumer's counters table is one that does not exist (every event throws).
    const restore = await patchEnvironment(fn, { ANALYTICS_COUNTERS_TABLE: `${tag}-missing` });
    let deadLettered: BridgeEvent[] = [];
    try {
      for (let i = 0; i < sent; i++) {
        const r = await api<{ id: string }>('POST', '/api/content', {
          body: { title: `Fault ${i}`, kind: 'article', metadata: { tags: [tag] } },
        });
        expect(r.status, r.text).toBe(201); // the write itself does not depend on the consumer
        ids.push(r.body.id);
      }
      // Lambda retries each event (twice), then puts it in the function's DLQ.
      await eventually(
        async () => {
          const waiting = await waitingEvents(queue.url);
          deadLettered = ids.flatMap((id) => waiting.get(id) ?? []);
          return deadLettered.length === sent ? true : undefined;
        },
        60_000,
        `the ${sent} events in ${queue.name}`,
      );
    } finally {
      await restore();
    }
    expect(await tagCount(tag)).toBe(0); // repaired, and nothing counted yet: all are in the DLQ

    // Repaired: the operator sends the dead letters back.
    const redriven = await tempora('dlq', 'redrive', 'analytics-events');
    expect(redriven.code, redriven.stderr).toBe(0);
    const count = Number(/redriven (\d+) dead letter/.exec(redriven.stdout)?.[1]);
    expect(count).toBeGreaterThanOrEqual(sent);
    const counted = await eventually(
      async () => ((await tagCount(tag)) === sent ? sent : undefined),
      60_000,
      `the tag counter at ${sent}`,
    );
    const left = await waitingEvents(queue.url);
    expect(ids.filter((id) => left.has(id))).toEqual([]);

    // Each event delivered once more, synchronously (done when the call returns): nothing counts twice.
    for (const event of deadLettered) {
      const again = await lambdaClient().send(
        new InvokeCommand({ FunctionName: fn, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
      );
      expect(again.FunctionError, new TextDecoder().decode(again.Payload)).toBeUndefined();
    }
    expect(await tagCount(tag)).toBe(sent);
    console.log(
      `[fault consumer-throws] events sent ${sent}, dead-lettered ${deadLettered.length}, redriven ${count}, ` +
        `counted ${counted}; after ${deadLettered.length} duplicate deliveries still ${await tagCount(tag)}`,
    );
  });
});
