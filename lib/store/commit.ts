/**
 * Commit a planned write: one `TransactWriteItems`. A failed condition (the entity moved on,
 * or already exists) is a 409; anything else (throttling, validation) propagates as a fault.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from '../aws/dynamodb.ts';
import { conflict } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import type { PlannedWrite } from './validate.ts';

export async function commitWrite(
  ddb: DynamoDBDocumentClient,
  entityType: string,
  write: PlannedWrite,
): Promise<EventEnvelope> {
  if (!(await applied(ddb.send(new TransactWriteCommand({ TransactItems: write.items }))))) {
    throw conflict(`${entityType} "${write.id}" was changed concurrently; re-read and retry`, {
      id: write.id,
    });
  }
  return write.envelope;
}
