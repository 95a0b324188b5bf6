/**
 * The writes to a campaign's ticker item (./ticker-item.ts says what it holds): every transition
 * is a conditional write on the execution the item names, so two executions can never both own
 * a campaign.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied } from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';
import { RUNNING_ATTRIBUTE } from './contract-tables.ts';
import { tickerKey as key, parseTickerItem, TICKER_SK, type TickerItem } from './ticker-item.ts';

export class TickerStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { state: string; outbox: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(campaignId: string, consistent = true): Promise<TickerItem | undefined> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.tables.state, Key: key(campaignId), ConsistentRead: consistent }),
    );
    return out.Item ? parseTickerItem(out.Item) : undefined;
  }

  /**
   * Claim a new epoch: stopped (or absent) → running with `execution`. False when somebody
   * else changed the item since `prev` was read.
   */
  async claim(
    campaignId: string,
    prev: TickerItem | undefined,
    next: { epoch: number; execution: string },
  ): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          UpdateExpression:
            'SET #status = :running, epoch = :epoch, generation = :zero, execution = :x, ' +
            'seq = if_not_exists(seq, :zero), alive_at = :alive, updated_at = :now, #running = :ticker, ' +
            'start_pending = :pending ' +
            'REMOVE started_at, stopped_at, stop_reason, transport, transport_seq, transport_at',
          ConditionExpression: prev
            ? 'epoch = :prevEpoch AND #status = :stopped'
            : 'attribute_not_exists(campaign_id)',
          ExpressionAttributeNames: { '#status': 'status', '#running': RUNNING_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':ticker': TICKER_SK,
            ':pending': true,
            ':epoch': next.epoch,
            ':zero': 0,
            ':x': next.execution,
            ':alive': this.now().getTime(),
            ':now': this.now().toISOString(),
            ...(prev ? { ':prevEpoch': prev.epoch, ':stopped': 'stopped' } : {}),
          },
        }),
      ),
    );
  }

  /**
   * running → stopped for `execution`, with `broadcast.stopped` when its run had started
   * (`stoppedEvent` builds it from the item). True when this call made the transition.
   */
  async stop(
    campaignId: string,
    execution: string,
    reason: string,
    stoppedEvent: (item: TickerItem) => EventEnvelope,
    seq?: number,
  ): Promise<{ stopped: boolean; item?: TickerItem }> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const item = await this.get(campaignId);
      if (!item || item.execution !== execution || item.status !== 'running') return { stopped: false };
      const started = item.started_at !== undefined;
      const seqUpdate = seq !== undefined && seq > item.seq;
      const update = {
        TableName: this.tables.state,
        Key: key(campaignId),
        UpdateExpression: `SET #status = :stopped, stopped_at = :now, stop_reason = :reason, updated_at = :now${seqUpdate ? ', seq = :seq' : ''} REMOVE #running`,
        ConditionExpression: `execution = :x AND #status = :running AND ${started ? 'attribute_exists' : 'attribute_not_exists'}(started_at)`,
        ExpressionAttributeNames: { '#status': 'status', '#running': RUNNING_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':stopped': 'stopped',
          ':running': 'running',
          ':now': this.now().toISOString(),
          ':reason': reason,
          ':x': execution,
          ...(seqUpdate ? { ':seq': seq } : {}),
        },
      };
      const write = started
        ? this.ddb.send(
            new TransactWriteCommand({
              TransactItems: [{ Update: update }, outboxPut(this.tables.outbox, stoppedEvent(item))],
            }),
          )
        : this.ddb.send(new UpdateCommand(update));
      if (await applied(write)) return { stopped: true, item };
      // The item changed under us (the run just started, or somebody else stopped it): re-read.
    }
    return { stopped: false };
  }

  /** Hand the campaign from `from` to its successor execution (same epoch, next generation). */
  async handoff(
    campaignId: string,
    from: string,
    to: { execution: string; generation: number },
    seq: number,
  ): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          UpdateExpression:
            'SET execution = :to, generation = :g, seq = :seq, alive_at = :alive, updated_at = :now, ' +
            'start_pending = :pending',
          ConditionExpression: 'execution = :from AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': to.execution,
            ':pending': true,
            ':g': to.generation,
            ':seq': seq,
            ':from': from,
            ':running': 'running',
            ':alive': this.now().getTime(),
            ':now': this.now().toISOString(),
          },
        }),
      ),
    );
  }

  /**
   * Win the right to check a running ticker's execution for `leaseMs` (a conditional write of
   * `checked_at`): of many clients reconnecting at once, one checks, the others trust it.
   */
  async leaseCheck(campaignId: string, execution: string, at: number, leaseMs: number): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          UpdateExpression: 'SET checked_at = :at',
          ConditionExpression:
            'execution = :x AND (attribute_not_exists(checked_at) OR checked_at <= :before)',
          ExpressionAttributeValues: { ':at': at, ':before': at - leaseMs, ':x': execution },
        }),
      ),
    );
  }
}
