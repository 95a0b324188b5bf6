/**
 * What Amadeus's two DynamoDB stores (graph-versions.ts, pattern-store.ts) share: the client and
 * table they write to, their clock, and when a lost conditional write is worth another attempt.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, isTransactionConflict } from '../aws/dynamodb.ts';
import type { StoreOptions } from './table.ts';

export abstract class DynamoStore {
  protected readonly now: () => Date;
  private readonly maxAttempts: number;

  constructor(
    protected readonly ddb: DynamoDBDocumentClient,
    protected readonly table: string,
    opts: StoreOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = opts.maxAttempts ?? 5;
  }

  /**
   * Whether attempt `attempt` that failed with `e` is retried: a lost race (a condition that no
   * longer held, or a concurrent transaction) while attempts remain.
   */
  protected retries(e: unknown, attempt: number): boolean {
    return (isConditionFailure(e) || isTransactionConflict(e)) && attempt < this.maxAttempts;
  }
}
