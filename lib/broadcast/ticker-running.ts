/**
 * The running tickers, for the minute's sweep (controller.ts, TickerWatch): the broadcast state
 * table's sparse index `by_running` holds exactly the ticker items that carry
 * {@link RUNNING_ATTRIBUTE}, which the claim sets and the stop removes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../aws/dynamodb.ts';
import { RUNNING_ATTRIBUTE, RUNNING_INDEX } from './contract-tables.ts';
import { TICKER_SK, type TickerItem } from './ticker-item.ts';

/** Ticker items the sweep reads at once. */
const LIST_CONCURRENCY = 25;

export class RunningTickers {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    /** A consistent read of a campaign's ticker item (TickerStore.get). */
    private readonly get: (campaignId: string) => Promise<TickerItem | undefined>,
  ) {}

  /**
   * Every ticker item that says `running`, with its owner and `alive_at` (the sweep's list):
   * the keys from the sparse {@link RUNNING_INDEX}, then the items themselves (consistent
   * reads; an item the index still lists just after its stop is left out). No Scan: the
   * leaderboard rows of the same table are never read.
   */
  async listRunning(): Promise<Array<Pick<TickerItem, 'campaign_id' | 'execution' | 'alive_at'>>> {
    const keys = await queryAll(this.ddb, {
      TableName: this.table,
      IndexName: RUNNING_INDEX,
      KeyConditionExpression: '#running = :ticker',
      ExpressionAttributeNames: { '#running': RUNNING_ATTRIBUTE },
      ExpressionAttributeValues: { ':ticker': TICKER_SK },
    });
    // One consistent GetItem per running ticker (as many reads as a BatchGetItem, without
    // bundling that command into the broadcast function).
    const running: Array<Pick<TickerItem, 'campaign_id' | 'execution' | 'alive_at'>> = [];
    for (let i = 0; i < keys.length; i += LIST_CONCURRENCY) {
      const items = await Promise.all(
        keys.slice(i, i + LIST_CONCURRENCY).map((k) => this.get(String(k.campaign_id))),
      );
      for (const item of items) {
        if (item?.status === 'running')
          running.push({ campaign_id: item.campaign_id, execution: item.execution, alive_at: item.alive_at });
      }
    }
    return running;
  }
}
