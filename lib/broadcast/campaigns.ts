/**
 * Reading campaigns for the broadcaster: one key read of the campaign entity row
 * (`service_campaign_main`, written by the campaign service's entity store). Only the
 * fields the broadcast decisions need are fetched.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Metadata } from '../entity-metadata/index.ts';
import type { CampaignSnapshot } from './phase.ts';

export interface CampaignReader {
  /** The campaign, undefined when it does not exist (never created, or deleted). */
  get(id: string, consistent?: boolean): Promise<CampaignSnapshot | undefined>;
}

/** Campaign ids as the entity store makes them (ULIDs), or any id a client may send: no `#`. */
export const CAMPAIGN_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export class DynamoCampaignReader implements CampaignReader {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string, consistent = true): Promise<CampaignSnapshot | undefined> {
    if (!CAMPAIGN_ID_RE.test(id)) return undefined;
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: { id },
        ConsistentRead: consistent,
        ProjectionExpression: '#id, #state, metadata',
        ExpressionAttributeNames: { '#id': 'id', '#state': 'state' },
      }),
    );
    if (!out.Item) return undefined;
    return {
      id: String(out.Item.id),
      state: String(out.Item.state ?? 'active'),
      metadata: (out.Item.metadata ?? {}) as Metadata,
    };
  }
}
