/**
 * The records service's contract, part 5: the records table (keys and indexes), free of
 * runtime dependencies so that infra builds it at synth time.
 */

/** DynamoDB attribute type of a key attribute (`S` = string, as `dynamodb.AttributeType.STRING`). */
export type KeyAttributeType = 'S';

export interface KeyAttribute {
  name: string;
  type: KeyAttributeType;
}

export interface IndexDesign {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Projection: every index projects the whole item. */
  projection: 'ALL';
}

export interface TableDesign {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  billingMode: 'PAY_PER_REQUEST';
  globalSecondaryIndexes: readonly IndexDesign[];
}

/** Index of records by namespace, in (type, name) order. */
export const BY_NAMESPACE_INDEX = 'by_namespace';
/** Index of records by state, in (type, name) order: the queries that name neither type nor namespace. */
export const BY_STATE_INDEX = 'by_state';
/** Sort key of both indexes: `<type>#<name>` ('#' sorts before every identifier character). */
export const TYPE_NAME_ATTRIBUTE = 'type_name';

/**
 * The records table: one item per (type, name). Base table key `type` / `name`, two GSIs
 * (projection ALL), on-demand billing. Build it with exactly these names and types.
 */
export const RECORDS_TABLE_DESIGN: TableDesign = {
  partitionKey: { name: 'type', type: 'S' },
  sortKey: { name: 'name', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [
    {
      indexName: BY_NAMESPACE_INDEX,
      partitionKey: { name: 'namespace', type: 'S' },
      sortKey: { name: TYPE_NAME_ATTRIBUTE, type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: BY_STATE_INDEX,
      partitionKey: { name: 'state', type: 'S' },
      sortKey: { name: TYPE_NAME_ATTRIBUTE, type: 'S' },
      projection: 'ALL',
    },
  ],
};
