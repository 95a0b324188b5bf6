/**
 * The latest full frame of a campaign (`{ campaign_id, sk: "snapshot" }` in the broadcast state
 * table): saved by its broadcaster when the `seq` moved (./resume.ts), read by
 * `GET /api/campaigns/{id}/state`. A save never moves the `seq` back (an old execution still
 * finishing its burst cannot overwrite a newer frame).
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/dynamodb.ts';

export const SNAPSHOT_SK = 'snapshot';

export class SnapshotStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(campaignId: string, seq: number, frame: string): Promise<void> {
    try {
      // An update, not a put: the ticker's grant on the state table is GetItem/UpdateItem.
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { campaign_id: campaignId, sk: SNAPSHOT_SK },
          UpdateExpression: 'SET seq = :seq, frame = :frame, updated_at = :now',
          ConditionExpression: 'attribute_not_exists(seq) OR seq < :seq',
          ExpressionAttributeValues: { ':seq': seq, ':frame': frame, ':now': new Date().toISOString() },
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
