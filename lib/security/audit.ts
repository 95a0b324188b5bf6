/**
 * The immutable audit trail: every Nexus event, kept once per envelope id (a conditional put,
 * so redelivery never duplicates and nothing is ever overwritten), queryable by entity or by
 * event type over a time range, in the order things happened.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, isConditionFailure } from '../aws/dynamodb.ts';
import { notFound } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import type { AuditQuery } from './contract-routes.ts';

export const AUDIT_INDEXES = {
  byEntity: { name: 'by_entity', partitionKey: 'entity_id', sortKey: 'at_sk' },
  byType: { name: 'by_type', partitionKey: 'type', sortKey: 'at_sk' },
} as const;

export interface AuditRecord {
  id: string;
  type: string;
  source: string;
  entity_id: string;
  entity_type: string;
  occurred_at: string;
  at_sk: string;
  correlation_id: string;
  actor: EventEnvelope['actor'];
  envelope: EventEnvelope;
  recorded_at: string;
}

export { auditQuerySchema } from './contract-routes.ts';

export class AuditLog {
  constructor(
    private readonly table: string,
    private readonly ddb: DynamoDBDocumentClient,
  ) {}

  /** Keep an event; a second delivery of the same envelope id is a no-op. */
  async record(e: EventEnvelope): Promise<boolean> {
    const item: AuditRecord = {
      id: e.id,
      type: e.type,
      source: e.source,
      entity_id: e.entity.id,
      entity_type: e.entity.type,
      occurred_at: e.occurred_at,
      at_sk: `${new Date(e.occurred_at).toISOString()}#${e.id}`,
      correlation_id: e.correlation_id,
      actor: e.actor,
      envelope: e,
      recorded_at: new Date().toISOString(),
    };
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async get(id: string): Promise<AuditRecord> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { id } }));
    if (!out.Item) throw notFound(`Audit record "${id}" not found`);
    return out.Item as AuditRecord;
  }

  /** Records of one entity (or one event type), oldest first, within [from, to] (a parsed `GET /api/security/audits` query). */
  async query(q: AuditQuery): Promise<{ items: AuditRecord[]; next_cursor: string | null }> {
    const byEntity = q.entity_id !== undefined;
    const index = byEntity ? AUDIT_INDEXES.byEntity : AUDIT_INDEXES.byType;
    const values: Record<string, unknown> = { ':k': byEntity ? q.entity_id : q.type };
    let range = '';
    const lo = q.from ? new Date(q.from).toISOString() : undefined;
    const hi = q.to ? `${new Date(q.to).toISOString()}#\uffff` : undefined;
    if (lo && hi) {
      range = ' AND at_sk BETWEEN :lo AND :hi';
      values[':lo'] = lo;
      values[':hi'] = hi;
    } else if (lo) {
      range = ' AND at_sk >= :lo';
      values[':lo'] = lo;
    } else if (hi) {
      range = ' AND at_sk <= :hi';
      values[':hi'] = hi;
    }
    const names: Record<string, string> = { '#k': index.partitionKey };
    let filter: { FilterExpression?: string } = {};
    if (byEntity && q.type !== undefined) {
      names['#t'] = 'type';
      values[':t'] = q.type;
      filter = { FilterExpression: '#t = :t' };
    }
    // The cursor is bound to the index, partition and range: outside them DynamoDB refuses the start key.
    const scope = `${this.table}|${index.name}|${JSON.stringify(values)}`;
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: index.name,
        KeyConditionExpression: `#k = :k${range}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...filter,
        ScanIndexForward: true,
        Limit: q.limit ?? 100,
        ...(q.cursor ? { ExclusiveStartKey: decodeCursor(q.cursor, scope) } : {}),
      }),
    );
    return {
      items: (out.Items ?? []) as AuditRecord[],
      next_cursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey, scope) : null,
    };
  }
}
