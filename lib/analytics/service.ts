/**
 * The analytics counters on DynamoDB (keys: lib/analytics/counters.ts): one transaction per
 * event (marker + increments), one Query per day for a summary.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isTransactionConflict, queryAll } from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import {
  counterKeys,
  dayPartition,
  daySummary,
  daysBetween,
  MARKER_TTL_SECONDS,
  markerKey,
  type Summary,
  summarize,
} from './counters.ts';

/** Day partitions read at once by a summary. */
const SUMMARY_CONCURRENCY = 8;

export class AnalyticsCounters {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Count an event once: false when its envelope id was already counted. Concurrent events
   * increment the same hot counters (the day's total): a transaction that lost such a race
   * is retried here a few times with jitter before the error goes back to Lambda.
   */
  async record(e: EventEnvelope): Promise<boolean> {
    const keys = counterKeys(e);
    const input = {
      TransactItems: [
        {
          Put: {
            TableName: this.table,
            Item: {
              ...markerKey(e.id),
              type: e.type,
              expires_at: Math.floor(Date.now() / 1000) + MARKER_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...keys.map((k) => ({
          Update: {
            TableName: this.table,
            Key: { pk: k.pk, sk: k.sk },
            UpdateExpression: 'ADD #count :one SET #kind = :kind, #name = :name',
            ExpressionAttributeNames: { '#count': 'count', '#kind': 'kind', '#name': 'name' },
            ExpressionAttributeValues: { ':one': 1, ':kind': k.kind, ':name': k.name },
          },
        })),
      ],
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ddb.send(new TransactWriteCommand(input));
        return true;
      } catch (err) {
        if (alreadyCounted(err)) return false;
        if (!isTransactionConflict(err) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
      }
    }
  }

  /** Counts per day, type, tag and feature over [from, to] (inclusive days, already validated). */
  async summary(from: string, to: string): Promise<Summary> {
    const days = daysBetween(from, to);
    const out = new Array<ReturnType<typeof daySummary>>(days.length);
    let next = 0;
    const worker = async () => {
      while (next < days.length) {
        const i = next++;
        const day = days[i] ?? from;
        const rows = await queryAll<{ sk: string; count?: unknown }>(this.ddb, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': dayPartition(day) },
          ProjectionExpression: 'sk, #count',
          ExpressionAttributeNames: { '#count': 'count' },
        });
        out[i] = daySummary(day, rows);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SUMMARY_CONCURRENCY, days.length) }, worker));
    return summarize(from, to, out);
  }
}

const MAX_CONFLICT_RETRIES = 5;

/** The transaction failed on the marker's condition (the only conditional item, first): counted before. */
const alreadyCounted = (e: unknown): boolean => cancellationCodes(e)[0] === 'ConditionalCheckFailed';
