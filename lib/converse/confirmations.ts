/**
 * Confirmation tokens of proposed actions (`_converse_confirmations`, key `id`, TTL `expires_at`).
 *
 * A token is 32 random bytes (base64url) handed to the caller once; the table keeps only its
 * SHA-256, with who it was issued to, the action and its expiry. Confirming claims the item with
 * one conditional update (not used yet, same caller, not expired), so a token works once, for
 * the caller it was issued to, within its lifetime; anything else is a 403 that says which.
 * An action that then fails on the platform's side (5xx, no answer) releases the claim, so the
 * caller can confirm again; a 4xx is the platform's answer and keeps it used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../auth/tokens.ts';
import { isConditionFailure } from '../aws/dynamodb.ts';
import { forbidden } from '../errors.ts';
import type { ProposedAction } from './answers.ts';

/** How long a proposal can be confirmed. */
export const CONFIRMATION_TTL_SECONDS = 300;

export const tokenId = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface Claimed {
  action: ProposedAction;
  /** Pass to {@link ConfirmationStore.release} when the action failed on the platform's side. */
  claim: string;
}

export class ConfirmationStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Store a proposal for `caller`; returns the token (shown once) and when it expires. */
  async propose(
    action: ProposedAction,
    caller: Principal,
    now: number,
  ): Promise<{ token: string; expires_at: string }> {
    const token = randomBytes(32).toString('base64url');
    const expires = Math.floor(now / 1000) + CONFIRMATION_TTL_SECONDS;
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          id: tokenId(token),
          sub: caller.sub,
          role: caller.role,
          action,
          created_at: new Date(now).toISOString(),
          expires_at: expires,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    return { token, expires_at: new Date(expires * 1000).toISOString() };
  }

  /**
   * Claim a token for `caller`: its action, once.
   * @throws TemporaError 403 when the token is unknown or expired, already used, or another caller's.
   */
  async claim(token: string, caller: Principal, now: number): Promise<Claimed> {
    const id = tokenId(token);
    const claim = `${new Date(now).toISOString()}#${randomBytes(6).toString('hex')}`;
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET used_at = :claim',
          ConditionExpression:
            'attribute_exists(id) AND attribute_not_exists(used_at) AND #sub = :sub AND #role = :role AND expires_at > :now',
          ExpressionAttributeNames: { '#sub': 'sub', '#role': 'role' },
          ExpressionAttributeValues: {
            ':claim': claim,
            ':sub': caller.sub,
            ':role': caller.role,
            ':now': Math.floor(now / 1000),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { action: out.Attributes?.action as ProposedAction, claim };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    throw await this.#refusal(id, caller, now);
  }

  /** Give a claimed token back (the action did not happen); a no-op if it was claimed again since. */
  async release(token: string, claim: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: tokenId(token) },
          UpdateExpression: 'REMOVE used_at',
          ConditionExpression: 'used_at = :claim',
          ExpressionAttributeValues: { ':claim': claim },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async #refusal(id: string, caller: Principal, now: number) {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    const item = out.Item;
    const rule = 'converse.confirm';
    if (!item || Number(item.expires_at) <= Math.floor(now / 1000))
      return forbidden('This confirmation token is unknown or expired: ask again for a new one', {
        rule,
        reason: 'expired',
      });
    if (item.sub !== caller.sub || item.role !== caller.role)
      return forbidden('This confirmation token was issued to another caller', {
        rule,
        reason: 'other_caller',
      });
    return forbidden('This confirmation token was already used', { rule, reason: 'used' });
  }
}
