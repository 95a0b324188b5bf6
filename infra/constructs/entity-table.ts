import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface EntityTableProps {
  /** Physical table name. */
  tableName: string;
  removalPolicy: RemovalPolicy;
}

/**
 * A service's entity table: `id` key, on-demand, point-in-time recovery, and the
 * indexes lists are served from without scanning (by state, by owner, active broadcasts).
 */
export class EntityTable extends Construct {
  /** Lists by state: partition `state`, sort `list_sk` (`<created_at>#<id>`). */
  static readonly LIST_INDEX = 'by_state';
  /** A user's own entities (policy access self+admin): partition `owner_id`. */
  static readonly OWNER_INDEX = 'by_owner';
  /** Sparse: only entities with an active broadcast carry `broadcast_pk`. */
  static readonly BROADCAST_INDEX = 'by_broadcast';
  static readonly INDEXES = [EntityTable.LIST_INDEX, EntityTable.OWNER_INDEX, EntityTable.BROADCAST_INDEX];
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: EntityTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: EntityTable.LIST_INDEX,
      partitionKey: { name: 'state', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'list_sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: EntityTable.OWNER_INDEX,
      partitionKey: { name: 'owner_id', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'list_sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: EntityTable.BROADCAST_INDEX,
      partitionKey: { name: 'broadcast_pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'list_sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
