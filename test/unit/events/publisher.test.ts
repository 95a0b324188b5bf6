import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, StreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import { envelopesOf, relayOutbox, toEntry } from '../../../lib/events/publisher.ts';
import { envelopeOf } from '../../kit/events.ts';

const BUS = 'tempora-test-nexus';

type Image = NonNullable<StreamRecord['NewImage']>;
/** The stream image of an outbox row, as DynamoDB Streams delivers it. */
const image = (item: Record<string, unknown>): Image =>
  marshall(item, { removeUndefinedValues: true }) as unknown as Image;

function envelope(n: number, type = 'campaign.created'): EventEnvelope {
  return envelopeOf({
    type,
    service: type.split('.')[0] ?? 'campaign',
    correlationId: `corr-${String(n).padStart(6, '0')}`,
    entity: { type: 'campaign', id: `c${n}`, version: 1 },
    metadata: { tags: ['launch'], custom_rules: { max_participants: 1000 } },
    payload: { fields: { name: `Campaign ${n}` }, state: 'active' },
    occurredAt: `2025-06-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
  });
}

const seqOf = (n: number) => String(1_000_000 + n);

function record(
  n: number,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
  env = envelope(n),
): DynamoDBRecord {
  const row = { id: env.id, envelope: env, created_at: env.occurred_at, expires_at: 1_900_000_000 };
  return {
    eventID: `ev-${n}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      Keys: image({ id: env.id }),
      SequenceNumber: seqOf(n),
      StreamViewType: 'NEW_IMAGE',
      ...(eventName === 'REMOVE' ? {} : { NewImage: image(row) }),
    },
  };
}

const records = (count: number) => Array.from({ length: count }, (_, i) => record(i + 1));

/** An EventBridge client stand-in: records PutEvents inputs and answers through `respond`. */
class FakeEventBridge {
  readonly calls: PutEventsRequestEntry[][] = [];
  constructor(
    private readonly respond: (
      entries: PutEventsRequestEntry[],
      call: number,
    ) => Partial<PutEventsCommandOutput> = (entries) => ({
      FailedEntryCount: 0,
      Entries: entries.map((_, i) => ({ EventId: `id-${i}` })),
    }),
  ) {}

  async send(cmd: PutEventsCommand): Promise<Partial<PutEventsCommandOutput>> {
    expect(cmd).toBeInstanceOf(PutEventsCommand);
    const entries = cmd.input.Entries ?? [];
    this.calls.push(entries);
    return this.respond(entries, this.calls.length);
  }

  get client(): EventBridgeClient {
    return this as unknown as EventBridgeClient;
  }
}

describe('relayOutbox', () => {
  it('relays only INSERT records (updates and TTL removals carry no new event)', async () => {
    const eb = new FakeEventBridge();
    const batch = [record(1, 'INSERT'), record(2, 'MODIFY'), record(3, 'REMOVE'), record(4, 'INSERT')];
    const res = await relayOutbox(batch, eb.client, BUS);
    expect(eb.calls).toHaveLength(1);
    expect(eb.calls[0]?.map((e) => JSON.parse(e.Detail ?? '{}').entity.id)).toEqual(['c1', 'c4']);
    expect(res).toEqual({ batchItemFailures: [], published: 2 });
  });

  it('makes no call for a batch without INSERTs', async () => {
    const eb = new FakeEventBridge();
    const res = await relayOutbox([record(1, 'REMOVE'), record(2, 'MODIFY')], eb.client, BUS);
    expect(eb.calls).toHaveLength(0);
    expect(res).toEqual({ batchItemFailures: [], published: 0 });
  });

  it("sends PutEvents in chunks of 10, PutEvents' limit (25 records → 3 calls), in stream order", async () => {
    const eb = new FakeEventBridge();
    const res = await relayOutbox(records(25), eb.client, BUS);
    expect(eb.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    const ids = eb.calls.flat().map((e) => JSON.parse(e.Detail ?? '{}').entity.id);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `c${i + 1}`));
    expect(res).toEqual({ batchItemFailures: [], published: 25 });
  });

  it('builds each entry from the envelope: Source, DetailType, Detail = envelope, EventBusName', async () => {
    const env = envelope(7, 'user.reactivated');
    const eb = new FakeEventBridge();
    await relayOutbox([record(7, 'INSERT', env)], eb.client, BUS);
    const entry = eb.calls[0]?.[0];
    expect(entry).toMatchObject({
      EventBusName: BUS,
      Source: 'tempora.user',
      DetailType: 'user.reactivated',
    });
    expect(JSON.parse(entry?.Detail ?? 'null')).toStrictEqual(env);
    expect(entry?.Time?.toISOString()).toBe(env.occurred_at);
  });

  it('reports the record of an entry with an ErrorCode as a batch item failure', async () => {
    const eb = new FakeEventBridge((entries, call) => ({
      FailedEntryCount: call === 2 ? 1 : 0,
      Entries: entries.map((_, i) =>
        call === 2 && i === 3
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
          : { EventId: `id-${call}-${i}` },
      ),
    }));
    const res = await relayOutbox(records(15), eb.client, BUS);
    // Call 2 carries records 11..15; its 4th entry is record 14.
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: seqOf(14) }]);
    expect(res.published).toBe(14);
  });

  it('fails every record of a chunk whose PutEvents call throws, and carries on with the next chunk', async () => {
    const eb = new FakeEventBridge((entries, call) => {
      if (call === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'ok' })) };
    });
    const res = await relayOutbox(records(15), eb.client, BUS);
    expect(eb.calls).toHaveLength(2);
    expect(res.batchItemFailures).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ itemIdentifier: seqOf(i + 1) })),
    );
    expect(res.published).toBe(5);
  });

  it('skips an INSERT without a new image or sequence number', async () => {
    const eb = new FakeEventBridge();
    const noImage: DynamoDBRecord = { eventName: 'INSERT', dynamodb: { SequenceNumber: '42' } };
    const noSeq = record(2);
    delete noSeq.dynamodb?.SequenceNumber;
    const res = await relayOutbox([noImage, noSeq, record(3)], eb.client, BUS);
    expect(eb.calls.flat()).toHaveLength(1);
    expect(res.published).toBe(1);
  });
});

describe('envelopesOf / toEntry', () => {
  it('unmarshalls the envelope of the outbox row unchanged', () => {
    const env = envelope(3);
    expect(envelopesOf([record(3, 'INSERT', env)])).toStrictEqual([{ seq: seqOf(3), envelope: env }]);
  });

  it('toEntry has no resources and the envelope time', () => {
    const env = envelope(5);
    expect(toEntry(env, BUS)).toStrictEqual({
      EventBusName: BUS,
      Source: 'tempora.campaign',
      DetailType: 'campaign.created',
      Detail: JSON.stringify(env),
      Time: new Date(env.occurred_at),
      Resources: [],
    });
  });
});
