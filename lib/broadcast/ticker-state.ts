/**
 * The ticker item of a campaign, in the broadcast state table: which Step Functions
 * execution owns the campaign's ticks.
 *   { campaign_id, sk: "ticker", status: running | stopped, epoch, generation, execution,
 *     seq, started_at?, stopped_at?, stop_reason?, updated_at }
 * - epoch: one per broadcast run (stop → start is a new epoch);
 * - generation: executions within an epoch (a fresh one before the history limit);
 * - execution: the name of the one execution allowed to tick. Every transition is a
 *   conditional write on it, so two executions can never both own a campaign: a burst that
 *   finds another name (or `stopped`) ends itself within one refresh.
 * - started_at: set by the ticker at its first live tick (with `broadcast.started`);
 *   `broadcast.stopped` is emitted only for a run that started, by whoever wins the
 *   running → stopped write.
 * - seq: the last frame sequence number sent, so the next run continues above it.
 * - alive_at: the owning execution's last sign of life (epoch ms), written with `seq` about
 *   every second by its bursts (and set by the claim and every handoff, so a starting
 *   execution gets a grace period). A stale `alive_at` is what makes a WebSocket `$connect`
 *   check the execution and restart a dead ticker (controller.ts, `TickerWatch`).
 * - checked_at: when a `$connect` last won the right to check the execution (one check per
 *   campaign per lease, however many clients reconnect at once).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied, queryAll } from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';

export const TICKER_SK = 'ticker';

/**
 * The sparse index of running tickers (the sweep's list): a ticker item carries
 * `RUNNING_ATTRIBUTE` only while it is running, so the index holds exactly those items, keys
 * only (the heartbeat rewrites the attribute's unchanged value, which leaves the index alone).
 */
export const RUNNING_INDEX = 'by_running';
export const RUNNING_ATTRIBUTE = 'running_ticker';

/** Ticker items the sweep reads at once. */
const LIST_CONCURRENCY = 25;

/** How often a burst writes its `alive_at` (and `seq`) to the ticker item. */
export const ALIVE_EVERY_MS = 1_000;

export interface TickerItem {
  campaign_id: string;
  status: 'running' | 'stopped';
  epoch: number;
  generation: number;
  execution: string;
  seq: number;
  started_at?: string;
  stopped_at?: string;
  stop_reason?: string;
  /** Last sign of life of the owning execution, epoch ms (0 when never written). */
  alive_at: number;
  updated_at: string;
}

const key = (campaignId: string) => ({ campaign_id: campaignId, sk: TICKER_SK });

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
    if (!out.Item) return undefined;
    const i = out.Item;
    return {
      campaign_id: String(i.campaign_id),
      status: i.status === 'running' ? 'running' : 'stopped',
      epoch: Number(i.epoch ?? 0),
      generation: Number(i.generation ?? 0),
      execution: String(i.execution ?? ''),
      seq: Number(i.seq ?? 0),
      ...(typeof i.started_at === 'string' ? { started_at: i.started_at } : {}),
      ...(typeof i.stopped_at === 'string' ? { stopped_at: i.stopped_at } : {}),
      ...(typeof i.stop_reason === 'string' ? { stop_reason: i.stop_reason } : {}),
      alive_at: Number(i.alive_at ?? 0),
      updated_at: String(i.updated_at ?? ''),
    };
  }

  /**
   * Every ticker item that says `running`, with its owner and `alive_at` (the sweep's list):
   * the keys from the sparse {@link RUNNING_INDEX}, then the items themselves (consistent
   * reads; an item the index still lists just after its stop is left out). No Scan: the
   * leaderboard rows of the same table are never read.
   */
  async listRunning(): Promise<Array<Pick<TickerItem, 'campaign_id' | 'execution' | 'alive_at'>>> {
    const keys = await queryAll(this.ddb, {
      TableName: this.tables.state,
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
            'seq = if_not_exists(seq, :zero), alive_at = :alive, updated_at = :now, #running = :ticker ' +
            'REMOVE started_at, stopped_at, stop_reason',
          ConditionExpression: prev
            ? 'epoch = :prevEpoch AND #status = :stopped'
            : 'attribute_not_exists(campaign_id)',
          ExpressionAttributeNames: { '#status': 'status', '#running': RUNNING_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':ticker': TICKER_SK,
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
            'SET execution = :to, generation = :g, seq = :seq, alive_at = :alive, updated_at = :now',
          ConditionExpression: 'execution = :from AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': to.execution,
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
          UpdateExpression: 'SET alive_at = :at, seq = :seq, #running = :ticker',
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

  /**
   * Assign shard `shard` of the current plan to execution `instance` (the owner does this
   * before starting it, and for shard 0 with its own name): `{ sk: "shard#<n>", plan,
   * instance, at }`. A shard instance that finds another instance named ends itself.
   */
  async assignShard(
    campaignId: string,
    shard: number,
    plan: string,
    instance: string,
    at: number,
  ): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tables.state,
        Key: { campaign_id: campaignId, sk: `shard#${shard}` },
        UpdateExpression: 'SET #plan = :plan, #instance = :instance, #at = :at',
        ExpressionAttributeNames: { '#plan': 'plan', '#instance': 'instance', '#at': 'at' },
        ExpressionAttributeValues: { ':plan': plan, ':instance': instance, ':at': at },
      }),
    );
  }

  /** A shard instance's heartbeat; false when another instance has been assigned the shard. */
  async beat(campaignId: string, shard: number, instance: string, at: number): Promise<boolean> {
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: { campaign_id: campaignId, sk: `shard#${shard}` },
          UpdateExpression: 'SET #at = :at',
          ConditionExpression: '#instance = :instance',
          ExpressionAttributeNames: { '#at': 'at', '#instance': 'instance' },
          ExpressionAttributeValues: { ':at': at, ':instance': instance },
        }),
      ),
    );
  }

  /** The assignment and last heartbeat of shard `shard`, if any. */
  async readBeat(
    campaignId: string,
    shard: number,
  ): Promise<{ plan: string; instance: string; at: number } | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.tables.state,
        Key: { campaign_id: campaignId, sk: `shard#${shard}` },
      }),
    );
    if (!out.Item) return undefined;
    return {
      plan: String(out.Item.plan ?? ''),
      instance: String(out.Item.instance ?? ''),
      at: Number(out.Item.at ?? 0),
    };
  }
}
