/**
 * The Nexus outbox: an event is published by writing its envelope to the outbox table,
 * in the same DynamoDB transaction as the change it describes. The outbox stream relays it
 * to EventBridge (lib/events/publisher.ts).
 */
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from './envelope.ts';

/** Outbox rows are kept a week after commit (they are published within seconds). */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The transaction item that publishes `envelope` (idempotent on the envelope id). */
export function outboxPut(table: string, envelope: EventEnvelope): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        id: envelope.id,
        envelope,
        created_at: envelope.occurred_at,
        expires_at: Math.floor(Date.now() / 1000) + OUTBOX_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(id)',
    },
  };
}

/** Publish envelopes on their own (no other write to go with them): one transaction. */
export async function emit(
  ddb: DynamoDBDocumentClient,
  table: string,
  envelopes: EventEnvelope[],
): Promise<void> {
  for (let i = 0; i < envelopes.length; i += 100) {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: envelopes.slice(i, i + 100).map((e) => outboxPut(table, e)),
      }),
    );
  }
}
