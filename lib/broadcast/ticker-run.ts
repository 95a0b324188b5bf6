/**
 * The writes a running ticker makes to its campaign's ticker item (./ticker-item.ts), each
 * conditional on the item still naming its execution as running: the first live tick (with
 * `broadcast.started`), the last `seq` sent, the sign of life, and the transport it uses.
 * (Claims, stops and handoffs, which the controller makes too, are ./ticker-state.ts.)
 */
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';
import { RUNNING_ATTRIBUTE } from './contract-tables.ts';
import { tickerKey as key, TICKER_SK, type TickerTransport } from './ticker-item.ts';

export class TickerRun {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { state: string; outbox: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Record the first live tick of `execution`'s run, with its `broadcast.started` event, once. */
  async markStarted(campaignId: string, execution: string, envelope: EventEnvelope): Promise<boolean> {
    return applied(
      this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.state,
                Key: key(campaignId),
                UpdateExpression: 'SET started_at = :now, updated_at = :now',
                ConditionExpression:
                  'execution = :x AND #status = :running AND attribute_not_exists(started_at)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':now': this.now().toISOString(),
                  ':x': execution,
                  ':running': 'running',
                },
              },
            },
            outboxPut(this.tables.outbox, envelope),
          ],
        }),
      ),
    );
  }

  /** Remember the last sequence number `execution` sent (monotonic; ignored once superseded). */
  async saveSeq(campaignId: string, execution: string, seq: number): Promise<void> {
    // Not applied: a newer execution owns the campaign, or a later seq is saved already.
    await applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          UpdateExpression: 'SET seq = :seq',
          ConditionExpression: 'execution = :x AND (attribute_not_exists(seq) OR seq < :seq)',
          ExpressionAttributeValues: { ':seq': seq, ':x': execution },
        }),
      ),
    );
  }

  /**
   * The owning execution's sign of life: `alive_at` and the last `seq` sent, on the condition
   * that the item still names `execution` as running (and `seq` does not go back). False when
   * it does not (superseded, stopped, or a retried burst behind the saved `seq`).
   */
  async alive(campaignId: string, execution: string, seq: number, at: number): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          // `#running` as the claim wrote it: unchanged, so the index is not written; on a ticker
          // claimed before the index existed (an upgraded stack), it enters the sweep's list.
          // The execution's sign of life also confirms that it started (start_pending).
          UpdateExpression: 'SET alive_at = :at, seq = :seq, #running = :ticker REMOVE start_pending',
          ConditionExpression:
            'execution = :x AND #status = :running AND (attribute_not_exists(seq) OR seq <= :seq)',
          ExpressionAttributeNames: { '#status': 'status', '#running': RUNNING_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':at': at,
            ':seq': seq,
            ':x': execution,
            ':running': 'running',
            ':ticker': TICKER_SK,
          },
        }),
      ),
    );
  }

  /**
   * The transport `execution`'s run uses from frame `seq` on (conditional on the item still
   * naming it as running): what `GET …/live` answers and what shard executions follow.
   */
  async setTransport(campaignId: string, execution: string, transport: TickerTransport): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: key(campaignId),
          UpdateExpression: 'SET transport = :kind, transport_seq = :seq, transport_at = :at',
          ConditionExpression: 'execution = :x AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':kind': transport.kind,
            ':seq': transport.seq,
            ':at': transport.at,
            ':x': execution,
            ':running': 'running',
          },
        }),
      ),
    );
  }
}
