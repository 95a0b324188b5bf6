import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { pitrTable } from './helpers.ts';

/** A string-keyed global secondary index, projecting whole items. */
export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
}

export interface EntityTableProps {
  /** Physical table name. */
  tableName: string;
  removalPolicy: RemovalPolicy;
  /** Indexes; default: the entity indexes lists are served from. */
  indexes?: readonly TableIndex[];
  /** Keep items' `expires_at` (epoch seconds) as the TTL attribute. */
  timeToLiveAttribute?: string;
}

/**
 * A table keyed by `id` (string), on-demand, point-in-time recovery. For an entity
 * collection it carries the indexes lists are served from without scanning: by state, by
 * owner, and the sparse index of active broadcasts.
 */
export class EntityTable extends Construct {
  /** Lists by state: partition `state`, sort `list_sk` (`<created_at>#<id>`). */
  static readonly LIST_INDEX = 'by_state';
  /** A user's own entities (policy access self+admin): partition `owner_id`. */
  static readonly OWNER_INDEX = 'by_owner';
  /** Sparse: only entities with an active broadcast carry `broadcast_pk`. */
  static readonly BROADCAST_INDEX = 'by_broadcast';
  static readonly ENTITY_INDEXES: readonly TableIndex[] = [
    { name: EntityTable.LIST_INDEX, partitionKey: 'state', sortKey: 'list_sk' },
    { name: EntityTable.OWNER_INDEX, partitionKey: 'owner_id', sortKey: 'list_sk' },
    { name: EntityTable.BROADCAST_INDEX, partitionKey: 'broadcast_pk', sortKey: 'list_sk' },
  ];
  static readonly INDEXES = EntityTable.ENTITY_INDEXES.map((i) => i.name);
  readonly table: dynamodb.Table;
  readonly indexNames: string[];

  constructor(scope: Construct, id: string, props: EntityTableProps) {
    super(scope, id);
    this.table = pitrTable(this, 'Table', {
      tableName: props.tableName,
      partitionKey: 'id',
      removalPolicy: props.removalPolicy,
      ...(props.timeToLiveAttribute ? { timeToLiveAttribute: props.timeToLiveAttribute } : {}),
    });
    const indexes = props.indexes ?? EntityTable.ENTITY_INDEXES;
    for (const i of indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: i.name,
        partitionKey: { name: i.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: i.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.indexNames = indexes.map((i) => i.name);
  }
}
