/**
 * The Nexus outbox relay: DynamoDB stream records of the outbox table → EventBridge.
 * PutEvents is batched (10 entries per call, the API's limit); records whose entries
 * failed are reported as batch item failures so Lambda retries from the first of them
 * (at-least-once; consumers are idempotent on the envelope id).
 * Written here rather than with Powertools' BatchProcessor, which handles one record per
 * call: the relay's work is one PutEvents per 10 records, so it reports failures itself.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { EventEnvelope } from './envelope.ts';

export const PUT_EVENTS_MAX_ENTRIES = 10;

/** The PutEvents entry of an envelope: Source `tempora.<service>`, DetailType = type. */
export function toEntry(envelope: EventEnvelope, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: envelope.source,
    DetailType: envelope.type,
    Detail: JSON.stringify(envelope),
    Time: new Date(envelope.occurred_at),
    Resources: [],
  };
}

/** Envelopes of the INSERT records of a batch (TTL removals and updates carry none). */
export function envelopesOf(records: DynamoDBRecord[]): Array<{ seq: string; envelope: EventEnvelope }> {
  const out: Array<{ seq: string; envelope: EventEnvelope }> = [];
  for (const r of records) {
    const image = r.dynamodb?.NewImage;
    const seq = r.dynamodb?.SequenceNumber;
    if (r.eventName !== 'INSERT' || !image || !seq) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    out.push({ seq, envelope: item.envelope as EventEnvelope });
  }
  return out;
}

export async function relayOutbox(
  records: DynamoDBRecord[],
  client: EventBridgeClient,
  busName: string,
): Promise<DynamoDBBatchResponse & { published: number }> {
  const pending = envelopesOf(records);
  const failed: string[] = [];
  let published = 0;
  for (let i = 0; i < pending.length; i += PUT_EVENTS_MAX_ENTRIES) {
    const chunk = pending.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
    try {
      const res = await client.send(
        new PutEventsCommand({ Entries: chunk.map((p) => toEntry(p.envelope, busName)) }),
      );
      (res.Entries ?? []).forEach((entry, j) => {
        const p = chunk[j];
        if (!p) return;
        if (entry.ErrorCode) failed.push(p.seq);
        else published++;
      });
    } catch {
      failed.push(...chunk.map((p) => p.seq));
    }
  }
  // Lambda resumes a stream shard from the lowest failed sequence number.
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })), published };
}
