/**
 * In-memory DynamoDB for the scheduler simulation (bench/scheduler-scale.ts): a
 * `DynamoDBDocumentClient` stand-in answering GetItem, PutItem, UpdateItem, DeleteItem, Query and
 * TransactWriteItems as DynamoDB does for tables keyed by one partition key, with global
 * secondary indexes kept in key order (B+ trees, so a million items stay cheap), conditions,
 * filters and updates evaluated (bench/sim/expressions.ts), transactions all-or-nothing. A table
 * declared a `sink` (the outbox) evaluates its conditions and counts its writes without keeping
 * them, so a million users' events do not fill the heap.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BTree } from './btree.ts';
import { applyUpdate, holds } from './expressions.ts';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface SimTable {
  partitionKey: string;
  /** Global secondary indexes (string keys), by name. */
  indexes?: Record<string, { partitionKey: string; sortKey: string }>;
  /** Keep nothing, count writes (by `count(item)`, if given). */
  sink?: { count?: (item: Item) => string };
}

interface Write {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

interface Planned {
  ok: boolean;
  table: Table;
  key: string;
  next: Item | undefined;
  check: boolean;
}

/** An index entry's position: its sort key, then the item's key (both strings). */
const SEP = '\u0001';

/**
 * One partition of an index, in position order: a sorted array while small (most partitions
 * hold one entity's few intents), a B+ tree past {@link SMALL} entries.
 */
class Partition {
  private small: string[] | undefined = [];
  private tree: BTree<string, true> | undefined;
  static readonly SMALL = 64;

  set(pos: string): void {
    if (this.tree) {
      this.tree.set(pos, true);
      return;
    }
    const a = this.small as string[];
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] as string) < pos) lo = mid + 1;
      else hi = mid;
    }
    if (a[lo] === pos) return;
    a.splice(lo, 0, pos);
    if (a.length > Partition.SMALL) {
      this.tree = new BTree<string, true>(a.map((k) => [k, true] as [string, true]));
      this.small = undefined;
    }
  }

  delete(pos: string): void {
    if (this.tree) this.tree.delete(pos);
    else {
      const i = (this.small as string[]).indexOf(pos);
      if (i >= 0) (this.small as string[]).splice(i, 1);
    }
  }

  /** Positions from `from` (inclusive) on, in order. */
  *from(from: string | undefined): Iterable<string> {
    if (this.tree) {
      for (const [k] of this.tree.entries(from)) yield k;
      return;
    }
    for (const k of this.small as string[]) if (from === undefined || k >= from) yield k;
  }
}

function entryOf(
  i: Item | undefined,
  idx: { partitionKey: string; sortKey: string },
  key: string,
): { pk: string; pos: string } | undefined {
  const pk = i?.[idx.partitionKey];
  const sk = i?.[idx.sortKey];
  return typeof pk === 'string' && typeof sk === 'string' ? { pk, pos: `${sk}${SEP}${key}` } : undefined;
}

class Table {
  readonly rows = new Map<string, Item>();
  /** index → partition value → positions (`<sort key>\u0001<item key>`). */
  readonly indexes = new Map<string, Map<string, Partition>>();
  readonly sunk = new Map<string, number>();

  constructor(readonly spec: SimTable) {
    for (const name of Object.keys(spec.indexes ?? {})) this.indexes.set(name, new Map());
  }

  keyOf(item: Item): string {
    const k = item[this.spec.partitionKey];
    if (typeof k !== 'string')
      throw new Error(`ValidationException: no ${this.spec.partitionKey} in the key`);
    return k;
  }

  get(key: string): Item | undefined {
    return this.rows.get(key);
  }

  write(key: string, next: Item | undefined): void {
    if (this.spec.sink) {
      if (next) {
        const label = this.spec.sink.count?.(next) ?? 'items';
        this.sunk.set(label, (this.sunk.get(label) ?? 0) + 1);
      }
      return;
    }
    const before = this.rows.get(key);
    for (const [name, idx] of Object.entries(this.spec.indexes ?? {})) {
      const parts = this.indexes.get(name) as Map<string, Partition>;
      const [old, now] = [entryOf(before, idx, key), entryOf(next, idx, key)];
      if (old && (!now || old.pk !== now.pk || old.pos !== now.pos)) parts.get(old.pk)?.delete(old.pos);
      if (now && (!old || old.pk !== now.pk || old.pos !== now.pos)) {
        const part = parts.get(now.pk) ?? new Partition();
        parts.set(now.pk, part);
        part.set(now.pos);
      }
    }
    if (next) this.rows.set(key, next);
    else this.rows.delete(key);
  }
}

export class MemoryDynamo {
  private readonly tables = new Map<string, Table>();

  constructor(specs: Record<string, SimTable>) {
    for (const [name, spec] of Object.entries(specs)) this.tables.set(name, new Table(spec));
  }

  /** This model, typed as the client the code under test takes. */
  get client(): DynamoDBDocumentClient {
    return { send: (cmd: unknown) => this.send(cmd) } as unknown as DynamoDBDocumentClient;
  }

  /** Items kept in `table`. */
  size(table: string): number {
    return this.table(table).rows.size;
  }

  /** Writes a sink table counted, by label. */
  sunk(table: string): Map<string, number> {
    return this.table(table).sunk;
  }

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new Error(`ResourceNotFoundException: no table ${name}`);
    return t;
  }

  private async send(cmd: unknown): Promise<unknown> {
    if (cmd instanceof GetCommand) {
      const item = this.table(cmd.input.TableName ?? '').get(String(Object.values(cmd.input.Key ?? {})[0]));
      return item ? { Item: { ...item } } : {};
    }
    if (cmd instanceof QueryCommand) return this.query(cmd.input);
    if (cmd instanceof TransactWriteCommand) return this.transact(cmd.input.TransactItems ?? []);
    if (cmd instanceof PutCommand || cmd instanceof UpdateCommand || cmd instanceof DeleteCommand) {
      const op =
        cmd instanceof PutCommand
          ? { Put: cmd.input }
          : cmd instanceof UpdateCommand
            ? { Update: cmd.input }
            : { Delete: cmd.input };
      const planned = this.plan(op as TransactItem);
      if (!planned.ok)
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      this.apply(planned);
      return cmd instanceof UpdateCommand && cmd.input.ReturnValues === 'ALL_NEW'
        ? { Attributes: { ...planned.next } }
        : {};
    }
    throw new Error(`the simulation does not answer ${(cmd as object).constructor.name}`);
  }

  /** One write of a transaction (or alone): whether its condition holds, and the item it leaves. */
  private plan(op: TransactItem): Planned {
    const w = (op.Put ?? op.Update ?? op.Delete ?? op.ConditionCheck) as Write;
    const table = this.table(w.TableName ?? '');
    const key = table.keyOf(op.Put ? (w.Item ?? {}) : (w.Key ?? {}));
    const current = table.get(key);
    const names = w.ExpressionAttributeNames ?? {};
    const values = w.ExpressionAttributeValues ?? {};
    const ok = w.ConditionExpression === undefined || holds(w.ConditionExpression, current, names, values);
    let next: Item | undefined = current;
    if (op.Put) next = { ...w.Item };
    else if (op.Update)
      next = applyUpdate(
        (op.Update as UpdateCommandInput).UpdateExpression ?? '',
        current ?? { ...w.Key },
        names,
        values,
      );
    else if (op.Delete) next = undefined;
    return { ok, table, key, next, check: op.ConditionCheck !== undefined };
  }

  private apply(p: Planned): void {
    if (!p.check) p.table.write(p.key, p.next);
  }

  private transact(ops: TransactItem[]): unknown {
    const planned = ops.map((o) => this.plan(o));
    if (planned.some((p) => !p.ok))
      throw new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
        $metadata: {},
        CancellationReasons: planned.map((p) => ({ Code: p.ok ? 'None' : 'ConditionalCheckFailed' })),
      });
    for (const p of planned) this.apply(p);
    return {};
  }

  private query(q: QueryCommandInput): unknown {
    const table = this.table(q.TableName ?? '');
    const names = q.ExpressionAttributeNames ?? {};
    const values = q.ExpressionAttributeValues ?? {};
    const m = /^([#\w]+) = (:\w+)(?: AND ([#\w]+) (?:BETWEEN (:\w+) AND (:\w+)|(<=|>=|<|>) (:\w+)))?$/.exec(
      q.KeyConditionExpression ?? '',
    );
    if (!m) throw new Error(`the simulation does not read "${q.KeyConditionExpression}"`);
    const [, , pkValue = '', , low, high, op, bound] = m;
    const partition = String(values[pkValue]);
    const limit = q.Limit ?? Number.POSITIVE_INFINITY;
    const read: Item[] = [];
    let last: Item | undefined;
    let more = false;
    if (q.IndexName === undefined) {
      const item = table.get(partition);
      if (item) read.push(item);
    } else {
      const idx = table.spec.indexes?.[q.IndexName];
      const tree = table.indexes.get(q.IndexName)?.get(partition);
      if (!idx) throw new Error(`ValidationException: no index ${q.IndexName}`);
      const from = q.ExclusiveStartKey
        ? `${q.ExclusiveStartKey[idx.sortKey]}${SEP}${table.keyOf(q.ExclusiveStartKey)}`
        : low !== undefined
          ? String(values[low])
          : op === '>=' || op === '>'
            ? String(values[bound ?? ''])
            : undefined;
      const upper =
        high !== undefined
          ? String(values[high])
          : op === '<=' || op === '<'
            ? String(values[bound ?? ''])
            : undefined;
      for (const pos of tree?.from(from) ?? []) {
        const key = pos.slice(pos.indexOf(SEP) + 1);
        if (q.ExclusiveStartKey && pos === from) continue;
        const sk = pos.slice(0, pos.indexOf(SEP));
        if (op === '>' && sk === values[bound ?? '']) continue;
        if (upper !== undefined && (op === '<' ? sk >= upper : sk > upper)) break;
        if (read.length >= limit) {
          more = true;
          break;
        }
        const item = table.get(key) as Item;
        read.push(item);
        last = item;
      }
    }
    const kept = q.FilterExpression
      ? read.filter((i) => holds(q.FilterExpression as string, i, names, values))
      : read;
    const idx = q.IndexName ? table.spec.indexes?.[q.IndexName] : undefined;
    return {
      ...(q.Select === 'COUNT' ? {} : { Items: kept.map((i) => ({ ...i })) }),
      Count: kept.length,
      ScannedCount: read.length,
      ...(more && last && idx
        ? {
            LastEvaluatedKey: {
              [table.spec.partitionKey]: last[table.spec.partitionKey],
              [idx.partitionKey]: last[idx.partitionKey],
              [idx.sortKey]: last[idx.sortKey],
            },
          }
        : {}),
    };
  }
}
