/**
 * Campaign leaderboards, in the broadcast state table:
 *   { campaign_id, sk: "score#<user>", user, score, updated_at }
 * - a score update is one atomic `ADD` (concurrent updates never lose each other), written
 *   in one transaction with its `campaign.score` event in the outbox;
 * - the top N is a Query on the sparse GSI `by_score` (campaign_id, score), highest first;
 *   only score items carry `score`, so the counter and ticker items are not in the index.
 * The GSI is eventually consistent: a frame may show a score a few hundred ms late, never a
 * wrong one; the caller of an update gets its own score from a consistent read.
 */

import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../auth/tokens.ts';
import { cancellationCodes } from '../aws/dynamodb.ts';
import { outboxPut } from '../events/outbox.ts';
import { broadcastEnvelope } from './events.ts';
import type { LeaderboardEntry } from './frame.ts';

export const SCORE_INDEX = 'by_score';
export const DEFAULT_TOP_N = 10;
export const MAX_TOP_N = 100;

export const scoreSk = (user: string): string => `score#${user}`;

/** The top `n` entries: highest score first, ties by user id (so every reader agrees). */
export function rankTop(entries: readonly LeaderboardEntry[], n: number): LeaderboardEntry[] {
  return [...entries]
    .filter((e) => Number.isFinite(e.score))
    .sort((a, b) => b.score - a.score || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
    .slice(0, Math.max(0, Math.floor(n)))
    .map((e) => ({ user: e.user, score: e.score }));
}

/** N from configuration: an integer in [1, {@link MAX_TOP_N}], else the default. */
export function topNOf(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= MAX_TOP_N ? n : DEFAULT_TOP_N;
}

export interface ScoreContext {
  actor: Principal;
  correlationId: string;
  /** Where the update came from, recorded on the event. */
  via: 'http' | 'websocket';
  /**
   * The request's own key (the caller and its `Idempotency-Key`): the update is applied at most
   * once per key for 24 h, even when the HTTP layer's idempotency record was lost (a request
   * that failed after its write, or timed out), so a retry never adds the delta twice.
   */
  requestKey?: string;
}

/** How long an applied request key is remembered (the HTTP idempotency window). */
const REQUEST_KEY_TTL_SECONDS = 24 * 3600;

export class LeaderboardStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { state: string; outbox: string },
    private readonly environment: string,
  ) {}

  /** Add `delta` to the user's score (atomically, with its event); returns the new score. */
  async add(campaignId: string, user: string, delta: number, ctx: ScoreContext): Promise<number> {
    const key = { campaign_id: campaignId, sk: scoreSk(user) };
    const envelope = broadcastEnvelope({
      type: 'campaign.score',
      environment: this.environment,
      campaignId,
      version: 0,
      correlationId: ctx.correlationId,
      actor: ctx.actor,
      payload: { user, delta, via: ctx.via },
    });
    const marker =
      ctx.requestKey === undefined
        ? []
        : [
            {
              Put: {
                TableName: this.tables.state,
                Item: {
                  campaign_id: campaignId,
                  sk: `req#${createHash('sha256').update(ctx.requestKey).digest('hex').slice(0, 40)}`,
                  expires_at: Math.floor(Date.now() / 1000) + REQUEST_KEY_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
          ];
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            ...marker,
            {
              Update: {
                TableName: this.tables.state,
                Key: key,
                UpdateExpression: 'SET #user = :user, updated_at = :now ADD score :delta',
                ExpressionAttributeNames: { '#user': 'user' },
                ExpressionAttributeValues: {
                  ':user': user,
                  ':now': new Date().toISOString(),
                  ':delta': delta,
                },
              },
            },
            outboxPut(this.tables.outbox, envelope),
          ],
        }),
      );
    } catch (e) {
      // This request's delta is already applied (a retry): answer the score as it is.
      if (marker.length === 0 || cancellationCodes(e)[0] !== 'ConditionalCheckFailed') throw e;
    }
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.tables.state,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'score',
      }),
    );
    return Number(out.Item?.score ?? delta);
  }

  /** The top `n` of a campaign (GSI, highest first). */
  async top(campaignId: string, n: number): Promise<LeaderboardEntry[]> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.state,
        IndexName: SCORE_INDEX,
        KeyConditionExpression: 'campaign_id = :c',
        ExpressionAttributeValues: { ':c': campaignId },
        ScanIndexForward: false,
        Limit: n,
      }),
    );
    const entries = (out.Items ?? []).map((i) => ({ user: String(i.user), score: Number(i.score) }));
    return rankTop(entries, n);
  }
}
