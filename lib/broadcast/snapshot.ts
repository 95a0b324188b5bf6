/**
 * The latest full frame of a campaign (`{ campaign_id, sk: "snapshot" }` in the broadcast state
 * table): saved by its broadcaster when the `seq` moved (./resume.ts), read by
 * `GET /api/campaigns/{id}/state`. A save never moves the `seq` back (an old execution still
 * finishing its burst cannot overwrite a newer frame).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/dynamodb.ts';

export const SNAPSHOT_SK = 'snapshot';

export class SnapshotStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(campaignId: string, seq: number, frame: string): Promise<void> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            campaign_id: campaignId,
            sk: SNAPSHOT_SK,
            seq,
            frame,
            updated_at: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(seq) OR seq < :seq',
          ExpressionAttributeValues: { ':seq': seq },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  /** The latest frame's text, or undefined before the campaign's first frame. */
  async latest(campaignId: string): Promise<string | undefined> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { campaign_id: campaignId, sk: SNAPSHOT_SK } }),
    );
    return typeof out.Item?.frame === 'string' ? out.Item.frame : undefined;
  }
}
