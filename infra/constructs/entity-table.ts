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
 * `by_state` index (state → newest first) that lists serve from without scanning.
 */
export class EntityTable extends Construct {
  /** The index lists query: partition `state`, sort `list_sk` (`<created_at>#<id>`). */
  static readonly LIST_INDEX = 'by_state';
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
  }
}
