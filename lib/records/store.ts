/**
 * DynamoDB I/O of the records service behind a narrow interface ({@link RecordRepo}) so the
 * protocol logic runs unchanged over an in-memory repo in unit tests.
 *
 * - single writes are conditional on `version` (optimistic locking) or on absence (create);
 * - BatchGetItem in chunks of 100 and BatchWriteItem in chunks of 25, each retrying its
 *   unprocessed keys/items with exponential backoff and full jitter, a bounded number of times;
 * - TransactWriteItems (≤ 100 actions) with a condition per action.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RetryOptions } from '../aws/batch.ts';
import {
  applied,
  batchGetAll,
  batchWriteAll,
  cancellationCodes,
  inList,
  isTransactionConflict,
} from '../aws/dynamodb.ts';
import { errorName } from '../aws/errors.ts';
import { badRequest } from '../errors.ts';
import {
  type MetadataRecord,
  RECORDS_TABLE_DESIGN,
  type RecordKey,
  refOf,
  TYPE_NAME_ATTRIBUTE,
} from './contract.ts';
import type { PartitionPage, PartitionQuery } from './query.ts';
import { fromItem, toItem } from './records.ts';

/** TransactWriteItems accepts at most 100 actions. */
export const TRANSACT_LIMIT = 100;

/** A write was refused by its condition (version changed, record created or deleted meanwhile). */
export class WriteConflictError extends Error {
  /** For a transaction: indexes of the actions whose condition failed (empty when unknown). */
  readonly indexes: number[];
  constructor(message: string, indexes: number[] = []) {
    super(message);
    this.name = 'WriteConflictError';
    this.indexes = indexes;
  }
}

export type BatchWrite = { put: MetadataRecord } | { delete: RecordKey };

/**
 * A transactional action. `expectedVersion`: a number = the stored version must equal it;
 * `null` = the record must not exist.
 */
export type TxAction =
  | { put: MetadataRecord; expectedVersion: number | null }
  | { delete: RecordKey; expectedVersion: number };

/** What identifies a stored record's content: a write bumps `version`; a record created again gets a new `id`. */
export interface RecordStamp {
  id: string;
  version: number;
}

export interface RecordRepo {
  get(key: RecordKey, consistent?: boolean): Promise<MetadataRecord | undefined>;
  /** The stamps of the records that exist, keyed by `type/name` (consistent reads of `id` and `version` only). */
  stamps(keys: readonly RecordKey[]): Promise<Map<string, RecordStamp>>;
  /** `expectedVersion`: number = must equal the stored version; null = must not exist. Throws WriteConflictError. */
  put(record: MetadataRecord, expectedVersion: number | null): Promise<void>;
  /** Delete if the stored version equals `expectedVersion`. Throws WriteConflictError. */
  delete(key: RecordKey, expectedVersion: number): Promise<void>;
  /** Records by key (absent ones missing from the map), keyed by `type/name`. Consistent reads. */
  batchGet(keys: readonly RecordKey[]): Promise<Map<string, MetadataRecord>>;
  /** Unconditional puts/deletes; returns what is still unprocessed after the bounded retries. */
  batchWrite(writes: readonly BatchWrite[]): Promise<BatchWrite[]>;
  /** All-or-nothing; throws WriteConflictError naming the failed actions. */
  transactWrite(actions: readonly TxAction[]): Promise<void>;
  queryPartition(q: PartitionQuery): Promise<PartitionPage>;
}

const PK = RECORDS_TABLE_DESIGN.partitionKey.name;
const SK = RECORDS_TABLE_DESIGN.sortKey.name;

function keyOf(k: RecordKey): Record<string, string> {
  return { [PK]: k.type, [SK]: k.name };
}

/** The records table on DynamoDB. */
export class DynamoRecordRepo implements RecordRepo {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retry: RetryOptions = {},
  ) {}

  async get(key: RecordKey, consistent = true): Promise<MetadataRecord | undefined> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: keyOf(key), ConsistentRead: consistent }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async stamps(keys: readonly RecordKey[]): Promise<Map<string, RecordStamp>> {
    const projection = {
      ProjectionExpression: '#pk, #sk, #id, #version',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#id': 'id', '#version': 'version' },
      ConsistentRead: true,
    };
    const [only] = keys;
    const items =
      keys.length === 1 && only
        ? [
            (await this.ddb.send(new GetCommand({ TableName: this.table, Key: keyOf(only), ...projection })))
              .Item,
          ]
        : await batchGetAll(this.ddb, this.table, keys.map(keyOf), projection, this.retry);
    const out = new Map<string, RecordStamp>();
    for (const item of items)
      if (item) out.set(`${item[PK]}/${item[SK]}`, { id: String(item.id), version: Number(item.version) });
    return out;
  }

  async put(record: MetadataRecord, expectedVersion: number | null): Promise<void> {
    const put = this.ddb.send(
      new PutCommand({ TableName: this.table, Item: toItem(record), ...condition(expectedVersion) }),
    );
    if (!(await applied(put))) throw new WriteConflictError(`${refOf(record)} changed concurrently`);
  }

  async delete(key: RecordKey, expectedVersion: number): Promise<void> {
    const deleted = this.ddb.send(
      new DeleteCommand({ TableName: this.table, Key: keyOf(key), ...condition(expectedVersion) }),
    );
    if (!(await applied(deleted))) throw new WriteConflictError(`${refOf(key)} changed concurrently`);
  }

  async batchGet(keys: readonly RecordKey[]): Promise<Map<string, MetadataRecord>> {
    const unique = [...new Map(keys.map((k) => [refOf(k), k])).values()];
    const items = await batchGetAll(
      this.ddb,
      this.table,
      unique.map(keyOf),
      { ConsistentRead: true },
      this.retry,
    );
    return new Map(items.map((item) => [refOf(fromItem(item)), fromItem(item)]));
  }

  async batchWrite(writes: readonly BatchWrite[]): Promise<BatchWrite[]> {
    const left = await batchWriteAll(
      this.ddb,
      this.table,
      writes.map((w) =>
        'put' in w ? { PutRequest: { Item: toItem(w.put) } } : { DeleteRequest: { Key: keyOf(w.delete) } },
      ),
      this.retry,
    );
    return left.flatMap((u): BatchWrite[] => {
      if (u.PutRequest?.Item) return [{ put: fromItem(u.PutRequest.Item) }];
      if (u.DeleteRequest?.Key)
        return [{ delete: { type: String(u.DeleteRequest.Key[PK]), name: String(u.DeleteRequest.Key[SK]) } }];
      return [];
    });
  }

  async transactWrite(actions: readonly TxAction[]): Promise<void> {
    if (actions.length === 0) return;
    if (actions.length > TRANSACT_LIMIT)
      throw badRequest(`A transaction holds at most ${TRANSACT_LIMIT} actions (got ${actions.length})`);
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: actions.map((a) =>
            'put' in a
              ? { Put: { TableName: this.table, Item: toItem(a.put), ...condition(a.expectedVersion) } }
              : { Delete: { TableName: this.table, Key: keyOf(a.delete), ...condition(a.expectedVersion) } },
          ),
        }),
      );
    } catch (e) {
      const codes = cancellationCodes(e);
      if (errorName(e) === 'TransactionCanceledException') {
        const failed = codes.flatMap((c, i) => (c === 'ConditionalCheckFailed' ? [i] : []));
        if (failed.length > 0 || codes.some((c) => c === 'TransactionConflict') || codes.length === 0)
          throw new WriteConflictError('transaction cancelled by a concurrent change', failed);
        if (codes.some((c) => c === 'ValidationError'))
          throw badRequest('The transaction was rejected by DynamoDB (e.g. larger than 4 MB in total)', {
            reasons: codes,
          });
      }
      if (isTransactionConflict(e))
        throw new WriteConflictError('transaction conflicted with a concurrent one');
      throw e;
    }
  }

  async queryPartition(q: PartitionQuery): Promise<PartitionPage> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const isTable = q.partition.index === 'table';
    const pkAttr = isTable
      ? PK
      : (RECORDS_TABLE_DESIGN.globalSecondaryIndexes.find((i) => i.indexName === q.partition.index)
          ?.partitionKey.name ?? '');
    if (!pkAttr) throw new Error(`Unknown index ${q.partition.index}`);
    const skAttr = isTable ? SK : TYPE_NAME_ATTRIBUTE;
    names['#pk'] = pkAttr;
    values[':pk'] = q.partition.value;
    let keyCondition = '#pk = :pk';
    if (q.after !== undefined) {
      names['#sk'] = skAttr;
      values[':after'] = q.after;
      keyCondition += ` AND #sk ${q.descending ? '<' : '>'} :after`;
    }
    const filters: string[] = [];
    for (const [field, list] of Object.entries(q.filters)) {
      if (!list || list.length === 0) continue;
      names[`#f_${field}`] = field;
      filters.push(inList(`#f_${field}`, list, `f_${field}_`, values));
    }
    let projection: string | undefined;
    if (q.projection) {
      projection = q.projection
        .map((attr, i) => {
          names[`#p${i}`] = attr;
          return `#p${i}`;
        })
        .join(', ');
    }
    const input: QueryCommandInput = {
      TableName: this.table,
      ...(isTable ? { ConsistentRead: true } : { IndexName: q.partition.index }),
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: !q.descending,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(projection ? { ProjectionExpression: projection } : {}),
      ...(q.limit ? { Limit: q.limit } : {}),
      ...(q.startKey ? { ExclusiveStartKey: q.startKey } : {}),
    };
    const out = await this.ddb.send(new QueryCommand(input));
    return {
      items: (out.Items ?? []).map(fromItem),
      ...(out.LastEvaluatedKey ? { lastKey: out.LastEvaluatedKey } : {}),
    };
  }
}

function condition(expectedVersion: number | null): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  if (expectedVersion === null)
    return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
  return {
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': expectedVersion },
  };
}
