/**
 * WebSocket connections, in their own table (pk `campaign_id`, sk `connection_id`, TTL
 * `expires_at` = connect + 2 h, API Gateway's maximum connection duration).
 *
 * Each connection is two items, written and deleted together in one transaction:
 * - the fan-out item `{ campaign_id, connection_id, user_id, connected_at, expires_at }`:
 *   a ticker lists its campaign's connections with one Query on the partition;
 * - the lookup item `{ campaign_id: "conn#<connection id>", connection_id: "conn", campaign,
 *   user_id, rl_window, rl_count, expires_at }`: `$default` and `$disconnect` only know the
 *   connection id, and get its campaign and user (and its rate-limit counter) with one
 *   strongly consistent key read. (A GSI would be eventually consistent: a message sent
 *   right after connecting could miss it.) Campaign ids never contain `#`, so the two
 *   kinds of partition cannot collide.
 *
 * Participants are counted atomically in the state table (`{ campaign_id, sk: "live",
 * live_count }`): `$connect` increments it in the same transaction as the two puts, on the
 * condition `live_count < max_participants`, so concurrent connects can never exceed it;
 * every removal (`$disconnect`, a `410 Gone` seen by the ticker, an expired item) decrements
 * it in the same transaction that deletes the fan-out item, conditioned on that item
 * existing, so a connection is uncounted exactly once whoever removes it first.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionFailure, queryAll } from '../aws/dynamodb.ts';
import type { IncrementResult, ResetResult, WindowCounterStore } from './rate-limit.ts';

/** API Gateway closes a WebSocket connection after 2 hours at most. */
export const CONNECTION_TTL_SECONDS = 2 * 3600;
export const LIVE_SK = 'live';

export interface ConnectionTables {
  connections: string;
  /** The broadcast state table (participant counter). */
  state: string;
}

/** What the lookup item tells about a connection. */
export interface ConnectionRecord {
  campaignId: string;
  userId: string;
}

/** A connection owed a resume snapshot. */
export interface PendingResume {
  connectionId: string;
  /** Its `last_seq`; null when that was not a usable seq. */
  from: number | null;
}

/** What a broadcaster reads of its campaign's connections. */
export interface ConnectionListing {
  live: string[];
  expired: string[];
  /** The live connections that opted in to delta frames. */
  deltas?: string[];
}

/** A resume marker lives this long: a ticker serves it within a refresh, or never (the client falls back to GET …/state). */
export const RESUME_TTL_SECONDS = 60;

/**
 * The resume marker of a reconnecting client, in a partition of its own per campaign
 * (`resume#<campaign id>`): a broadcaster reads it every refresh with one small Query.
 */
export const resumeKey = (campaignId: string, connectionId: string) => ({
  campaign_id: `resume#${campaignId}`,
  connection_id: connectionId,
});

export const lookupKey = (connectionId: string) => ({
  campaign_id: `conn#${connectionId}`,
  connection_id: 'conn',
});

/** `max_participants` of a campaign's `custom_rules`: a non-negative integer, else no limit. */
export function maxParticipantsOf(customRules: Record<string, unknown> | undefined): number | undefined {
  const v = customRules?.max_participants;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

export class ConnectionStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: ConnectionTables,
  ) {}

  /**
   * Register a connection, counting it against `maxParticipants` atomically.
   * 'full' when the campaign is at its limit; a repeated connect of the same id is 'ok'.
   */
  async connect(input: {
    campaignId: string;
    connectionId: string;
    userId: string;
    maxParticipants: number | undefined;
    nowMs: number;
    /** The client opted in to `campaign.delta` frames (`frames=delta`). */
    deltas?: boolean;
    /** The client reconnects with `last_seq` (null: not a usable seq): it is owed a resume snapshot. */
    resumeFrom?: number | null;
  }): Promise<'ok' | 'full'> {
    const { campaignId, connectionId, userId, maxParticipants, nowMs, resumeFrom } = input;
    if (maxParticipants === 0) return 'full';
    const expiresAt = Math.floor(nowMs / 1000) + CONNECTION_TTL_SECONDS;
    const connectedAt = new Date(nowMs).toISOString();
    const limited = maxParticipants !== undefined;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.state,
                Key: { campaign_id: campaignId, sk: LIVE_SK },
                UpdateExpression:
                  'SET live_count = if_not_exists(live_count, :zero) + :one, updated_at = :now',
                ...(limited
                  ? { ConditionExpression: 'attribute_not_exists(live_count) OR live_count < :max' }
                  : {}),
                ExpressionAttributeValues: {
                  ':zero': 0,
                  ':one': 1,
                  ':now': connectedAt,
                  ...(limited ? { ':max': maxParticipants } : {}),
                },
              },
            },
            {
              Put: {
                TableName: this.tables.connections,
                Item: {
                  campaign_id: campaignId,
                  connection_id: connectionId,
                  user_id: userId,
                  connected_at: connectedAt,
                  expires_at: expiresAt,
                  ...(input.deltas ? { frames: 'delta' } : {}),
                },
                ConditionExpression: 'attribute_not_exists(connection_id)',
              },
            },
            ...(resumeFrom === undefined
              ? []
              : [
                  {
                    Put: {
                      TableName: this.tables.connections,
                      Item: {
                        ...resumeKey(campaignId, connectionId),
                        from: resumeFrom,
                        expires_at: Math.floor(nowMs / 1000) + RESUME_TTL_SECONDS,
                      },
                    },
                  },
                ]),
            {
              Put: {
                TableName: this.tables.connections,
                Item: {
                  ...lookupKey(connectionId),
                  campaign: campaignId,
                  user_id: userId,
                  rl_window: -1,
                  rl_count: 0,
                  expires_at: expiresAt,
                },
              },
            },
          ],
        }),
      );
      return 'ok';
    } catch (e) {
      const codes = cancellationCodes(e);
      if (codes[0] === 'ConditionalCheckFailed') return 'full';
      if (codes[1] === 'ConditionalCheckFailed') return 'ok'; // the same connection again (a retry)
      throw e;
    }
  }

  /** Campaign and user of a connection (strongly consistent), undefined when unknown. */
  async lookup(connectionId: string): Promise<ConnectionRecord | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.tables.connections,
        Key: lookupKey(connectionId),
        ConsistentRead: true,
        ProjectionExpression: 'campaign, user_id',
      }),
    );
    return out.Item ? recordOf(out.Item) : undefined;
  }

  /**
   * Remove a connection and uncount it. True when this call removed it, false when it was
   * already gone (removal raced with another one, or a repeated `$disconnect`).
   */
  async remove(campaignId: string, connectionId: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tables.connections,
                Key: { campaign_id: campaignId, connection_id: connectionId },
                ConditionExpression: 'attribute_exists(connection_id)',
              },
            },
            { Delete: { TableName: this.tables.connections, Key: lookupKey(connectionId) } },
            {
              Update: {
                TableName: this.tables.state,
                Key: { campaign_id: campaignId, sk: LIVE_SK },
                UpdateExpression: 'ADD live_count :minus',
                ExpressionAttributeValues: { ':minus': -1 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (e) {
      if (cancellationCodes(e)[0] === 'ConditionalCheckFailed') return false;
      throw e;
    }
  }

  /**
   * Connection ids of a campaign, split into live ones and those past their TTL, with the live
   * ones that opted in to delta frames.
   */
  async list(campaignId: string, nowMs: number): Promise<ConnectionListing> {
    const nowSec = Math.floor(nowMs / 1000);
    const live: string[] = [];
    const expired: string[] = [];
    const deltas: string[] = [];
    const items = await queryAll(this.ddb, {
      TableName: this.tables.connections,
      KeyConditionExpression: 'campaign_id = :c',
      ExpressionAttributeValues: { ':c': campaignId },
      ProjectionExpression: 'connection_id, expires_at, frames',
    });
    for (const item of items) {
      const id = String(item.connection_id);
      if (Number(item.expires_at) <= nowSec) expired.push(id);
      else {
        live.push(id);
        if (item.frames === 'delta') deltas.push(id);
      }
    }
    return { live, expired, deltas };
  }

  /** Connections owed a resume snapshot (they connected with `last_seq`), oldest first. */
  async pendingResumes(campaignId: string, nowMs: number): Promise<PendingResume[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tables.connections,
      KeyConditionExpression: 'campaign_id = :c',
      ExpressionAttributeValues: { ':c': resumeKey(campaignId, '').campaign_id },
    });
    const nowSec = Math.floor(nowMs / 1000);
    return items
      .filter((item) => Number(item.expires_at) > nowSec)
      .map((item) => ({
        connectionId: String(item.connection_id),
        from: typeof item.from === 'number' ? item.from : null,
      }));
  }

  /** The resume snapshot of a connection went out (or the connection is gone). */
  async resumed(campaignId: string, connectionId: string): Promise<void> {
    await this.ddb.send(
      new DeleteCommand({ TableName: this.tables.connections, Key: resumeKey(campaignId, connectionId) }),
    );
  }

  /** The participant counter (never below 0). */
  async liveCount(campaignId: string): Promise<number> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.tables.state,
        Key: { campaign_id: campaignId, sk: LIVE_SK },
        ConsistentRead: true,
      }),
    );
    return Math.max(0, Number(out.Item?.live_count ?? 0));
  }

  /** The rate limiter's counters, on the lookup items. */
  windowStore(): WindowCounterStore<ConnectionRecord> {
    return {
      increment: (key, window) => this.#increment(key, window),
      reset: (key, window) => this.#reset(key, window),
    };
  }

  async #increment(connectionId: string, window: number): Promise<IncrementResult<ConnectionRecord>> {
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.connections,
          Key: lookupKey(connectionId),
          UpdateExpression: 'SET rl_count = rl_count + :one',
          ConditionExpression: 'attribute_exists(campaign) AND rl_window = :w',
          ExpressionAttributeValues: { ':one': 1, ':w': window },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { count: Number(out.Attributes?.rl_count), record: recordOf(out.Attributes ?? {}) };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return (e as { Item?: unknown }).Item ? 'stale' : 'missing';
    }
  }

  async #reset(connectionId: string, window: number): Promise<ResetResult<ConnectionRecord>> {
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tables.connections,
          Key: lookupKey(connectionId),
          UpdateExpression: 'SET rl_window = :w, rl_count = :one',
          ConditionExpression: 'attribute_exists(campaign) AND rl_window < :w',
          ExpressionAttributeValues: { ':one': 1, ':w': window },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { count: 1, record: recordOf(out.Attributes ?? {}) };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return (e as { Item?: unknown }).Item ? 'conflict' : 'missing';
    }
  }
}

const recordOf = (item: Record<string, unknown>): ConnectionRecord => ({
  campaignId: String(item.campaign ?? ''),
  userId: String(item.user_id ?? ''),
});
