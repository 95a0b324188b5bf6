/**
 * A tap on the Nexus bus for tests: an SQS queue and a rule matching every `tempora.*`
 * event, created through the AWS API (not part of the stack), removed by `close()`.
 */
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type EventEnvelope, envelopeSchema } from '../../../lib/events/envelope.ts';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { loadOutputs } from './outputs.ts';

export interface BusEvent {
  source: string;
  detailType: string;
  envelope: EventEnvelope;
}

export class BusTap {
  private readonly seen: BusEvent[] = [];

  private constructor(
    private readonly sqs: SQSClient,
    private readonly eb: EventBridgeClient,
    private readonly queueUrl: string,
    private readonly rule: string,
    private readonly bus: string,
  ) {}

  static async open(): Promise<BusTap> {
    const out = loadOutputs();
    const cfg = emulatorClientConfig();
    const sqs = new SQSClient(cfg);
    const eb = new EventBridgeClient(cfg);
    const name = `tap-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const q = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await eb.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: out.eventBusName,
        EventPattern: JSON.stringify({ source: [{ prefix: 'tempora.' }] }),
      }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: out.eventBusName,
        Targets: [{ Id: 'tap', Arn: attrs.Attributes?.QueueArn }],
      }),
    );
    return new BusTap(sqs, eb, q.QueueUrl!, name, out.eventBusName);
  }

  /** Drain the queue into the seen list (validated against the envelope schema). */
  async poll(): Promise<BusEvent[]> {
    const res = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const msgs = res.Messages ?? [];
    for (const m of msgs) {
      const ev = JSON.parse(m.Body ?? '{}') as { source: string; 'detail-type': string; detail: unknown };
      this.seen.push({
        source: ev.source,
        detailType: ev['detail-type'],
        envelope: envelopeSchema.parse(ev.detail) as EventEnvelope,
      });
    }
    if (msgs.length) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return this.seen;
  }

  /** Wait until `predicate` holds over the events seen so far. */
  async waitFor(predicate: (events: BusEvent[]) => boolean, timeoutMs = 20_000): Promise<BusEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const seen = await this.poll();
      if (predicate(seen)) return seen;
    }
    throw new Error(
      `Bus tap: condition not met in ${timeoutMs} ms; saw ${this.seen.map((e) => `${e.detailType}(${e.envelope.entity.id})`).join(', ') || 'nothing'}`,
    );
  }

  eventsFor(entityId: string): BusEvent[] {
    return this.seen.filter((e) => e.envelope.entity.id === entityId);
  }

  async close(): Promise<void> {
    await this.eb
      .send(new RemoveTargetsCommand({ Rule: this.rule, EventBusName: this.bus, Ids: ['tap'] }))
      .catch(() => {});
    await this.eb.send(new DeleteRuleCommand({ Name: this.rule, EventBusName: this.bus })).catch(() => {});
    await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl })).catch(() => {});
  }
}
