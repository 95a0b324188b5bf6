/**
 * Shard assignments and heartbeats of a sharded campaign, in the broadcast state table:
 * `{ campaign_id, sk: "shard#<n>", plan, instance, at }`. The owning execution names the
 * instance serving each shard before starting it (and shard 0 with its own name and plan, which
 * shards follow); a shard instance beats every second and ends when another instance is named
 * (./shard-plan.ts, ./shard-burst.ts).
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from '../aws/dynamodb.ts';

export class ShardBeats {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { state: string },
  ) {}

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
