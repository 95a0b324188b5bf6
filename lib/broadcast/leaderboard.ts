/**
 * Campaign leaderboards, in the broadcast state table:
 *   { campaign_id, sk: "score#<user>", user, score, c_<name>…, joined_at, updated_at }
 * (`c_<name>`: the named counters posted with scores, `scores.<name>` in a ranking formula;
 * `joined_at`: the first score; `updated_at`: the last change, when the row reached its value).
 * - a score update is one atomic `ADD` (concurrent updates never lose each other), written
 *   in one transaction with its `campaign.score` event in the outbox;
 * - the top N is a Query on the sparse GSI `by_score` (campaign_id, score), highest first;
 *   only score items carry `score`, so the counter and ticker items are not in the index.
 * The GSI is eventually consistent: a frame may show a score a few hundred ms late, never a
 * wrong one; the caller of an update gets its own score from a consistent read.
 *
 * With `service_specific.campaign.ranking.formula` (lib/entity-metadata/formula.ts) the top N is ranked
 * by the formula instead: every score row of the campaign is read (one paged Query on its
 * partition) and ranked in memory, highest value first, ties by the earliest to reach the value
 * (`updated_at`), then by user id. A formula changed on the air applies from the next refresh.
 */

import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../auth/tokens.ts';
import { cancellationCodes, queryAll } from '../aws/dynamodb.ts';
import { evaluateFormula, type FormulaNode, parseFormula } from '../entity-metadata/formula.ts';
import type { Metadata } from '../entity-metadata/index.ts';
import { outboxPut } from '../events/outbox.ts';
import { SCORE_INDEX } from './contract-tables.ts';
import { broadcastEnvelope } from './events.ts';
import type { LeaderboardEntry } from './frame.ts';

export { SCORE_INDEX };
export const DEFAULT_TOP_N = 10;
export const MAX_TOP_N = 100;

export const scoreSk = (user: string): string => `score#${user}`;
/** Attribute of a named counter on a score row. */
const COUNTER_PREFIX = 'c_';

/** A score row as the formula ranking reads it. */
export interface RankedRow {
  user: string;
  score: number;
  scores: Record<string, number>;
  /** Epoch seconds of the first score. */
  joined_at: number;
  /** Epoch ms of the last change: when the row reached its value. */
  reached_at: number;
}

/** The campaign's ranking formula, when it has one. */
export function rankingFormulaOf(metadata: Metadata | undefined): string | undefined {
  const ranking = (metadata?.service_specific?.campaign as { ranking?: { formula?: unknown } } | undefined)
    ?.ranking;
  return typeof ranking?.formula === 'string' && ranking.formula.trim() !== '' ? ranking.formula : undefined;
}

/**
 * The top `n` by a formula: highest value first (a non-finite value ranks last), ties by the
 * earliest to reach the value, then by user id. Rows carry the formula's `value`.
 */
export function rankByFormula(
  rows: readonly RankedRow[],
  formula: FormulaNode,
  n: number,
): LeaderboardEntry[] {
  const valued = rows.map((r) => {
    const v = evaluateFormula(formula, r);
    return { r, v: Number.isFinite(v) ? v : Number.NEGATIVE_INFINITY };
  });
  // -Infinity - -Infinity is NaN: compare values, not their difference.
  valued.sort(
    (a, b) =>
      (a.v === b.v ? 0 : a.v > b.v ? -1 : 1) ||
      a.r.reached_at - b.r.reached_at ||
      (a.r.user < b.r.user ? -1 : a.r.user > b.r.user ? 1 : 0),
  );
  return valued
    .slice(0, Math.max(0, Math.floor(n)))
    .map(({ r, v }) => ({ user: r.user, score: r.score, value: Number.isFinite(v) ? v : null }));
}

/** A score row read from the table, as {@link rankByFormula} takes it. */
export function rankedRowOf(item: Record<string, unknown>): RankedRow {
  const scores: Record<string, number> = {};
  for (const [k, v] of Object.entries(item))
    if (k.startsWith(COUNTER_PREFIX)) scores[k.slice(COUNTER_PREFIX.length)] = Number(v);
  const ms = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : Number.NaN);
  const joined = ms(item.joined_at ?? item.updated_at);
  const reached = ms(item.updated_at);
  return {
    user: String(item.user),
    score: Number(item.score),
    scores,
    joined_at: Number.isFinite(joined) ? joined / 1000 : 0,
    reached_at: Number.isFinite(reached) ? reached : 0,
  };
}

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
  /** The last formula parsed, so a refresh parses only a changed one. */
  #formula: { text: string; tree: FormulaNode | undefined } | undefined;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { state: string; outbox: string },
    private readonly environment: string,
  ) {}

  /**
   * Add `delta` to the user's score, and each of `counters` to its named counter (atomically,
   * with its event); returns the new score.
   */
  async add(
    campaignId: string,
    user: string,
    delta: number,
    ctx: ScoreContext,
    counters: Readonly<Record<string, number>> = {},
  ): Promise<number> {
    const key = { campaign_id: campaignId, sk: scoreSk(user) };
    const named = Object.entries(counters);
    const now = new Date().toISOString();
    const envelope = broadcastEnvelope({
      type: 'campaign.score',
      environment: this.environment,
      campaignId,
      version: 0,
      correlationId: ctx.correlationId,
      actor: ctx.actor,
      payload: { user, delta, via: ctx.via, ...(named.length ? { scores: counters } : {}) },
    });
    const marker =
      ctx.requestKey === undefined
        ? []
        : [
            {
              // An update that creates the marker (the function's grant is UpdateItem, not PutItem).
              Update: {
                TableName: this.tables.state,
                Key: {
                  campaign_id: campaignId,
                  sk: `req#${createHash('sha256').update(ctx.requestKey).digest('hex').slice(0, 40)}`,
                },
                UpdateExpression: 'SET expires_at = :exp',
                ConditionExpression: 'attribute_not_exists(sk)',
                ExpressionAttributeValues: {
                  ':exp': Math.floor(Date.now() / 1000) + REQUEST_KEY_TTL_SECONDS,
                },
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
                UpdateExpression: `SET #user = :user, updated_at = :now, joined_at = if_not_exists(joined_at, :now) ADD score :delta${named.map((_, i) => `, #c${i} :c${i}`).join('')}`,
                ExpressionAttributeNames: {
                  '#user': 'user',
                  ...Object.fromEntries(named.map(([name], i) => [`#c${i}`, `${COUNTER_PREFIX}${name}`])),
                },
                ExpressionAttributeValues: {
                  ':user': user,
                  ':now': now,
                  ':delta': delta,
                  ...Object.fromEntries(named.map(([, d], i) => [`:c${i}`, d])),
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

  /**
   * The top `n` of a campaign: by its ranking formula when it has a valid one (every score row
   * read, ranked in memory), else by score (GSI, highest first).
   */
  async top(campaignId: string, n: number, formula?: string): Promise<LeaderboardEntry[]> {
    const tree = formula === undefined ? undefined : this.#parse(formula);
    if (tree !== undefined) {
      const items = await queryAll<Record<string, unknown>>(this.ddb, {
        TableName: this.tables.state,
        KeyConditionExpression: 'campaign_id = :c AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':c': campaignId, ':p': 'score#' },
      });
      return rankByFormula(items.map(rankedRowOf), tree, n);
    }
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

  /** The formula's tree; undefined (rank by score) for one the metadata layer would refuse. */
  #parse(text: string): FormulaNode | undefined {
    if (this.#formula?.text !== text) {
      let tree: FormulaNode | undefined;
      try {
        tree = parseFormula(text);
      } catch {
        tree = undefined;
      }
      this.#formula = { text, tree };
    }
    return this.#formula.tree;
  }
}
