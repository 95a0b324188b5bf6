/**
 * The stateful side of the kit's DynamoDB fake: a {@link FakeDdb} that keeps its tables in
 * memory and answers as DynamoDB does, for the commands and expressions the code under test
 * sends (GetItem, PutItem, UpdateItem, DeleteItem, Query, TransactWriteItems).
 *
 * Conditions and filters are the test's own: a map from the exact expression to a predicate of
 * the current item. An expression the test did not declare fails the test, so a store that
 * changes what it sends cannot pass against a guess. As DynamoDB does, every `#name` and
 * `:value` placeholder must be both defined and used, and a reserved word may only appear
 * through a `#name`.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { FakeDdb, type TransactItem } from './dynamodb.ts';

export type Item = Record<string, unknown>;
type Names = Record<string, string>;
type Values = Record<string, unknown>;

/** A condition or filter, evaluated on the current item (`undefined`: there is none). */
export type Predicate = (item: Item | undefined, values: Values, names: Names) => boolean;

export interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}

export interface TableSpec extends KeySchema {
  indexes?: Record<string, KeySchema>;
}

/** Reserved words an expression may only use through a `#name` placeholder (a subset). */
const RESERVED = new Set([
  'action',
  'status',
  'type',
  'name',
  'state',
  'key',
  'source',
  'data',
  'ttl',
  'role',
]);

const clone = <T>(v: T): T => structuredClone(v);

/** DynamoDB's order: numbers by value, strings by code unit (as UTF-8 bytes for these keys). */
const compare = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

interface Expressions {
  ExpressionAttributeNames?: Names;
  ExpressionAttributeValues?: Values;
}

export class DynamoModel extends FakeDdb {
  /** Most items a Query page holds (to exercise paging). */
  pageSize = Number.POSITIVE_INFINITY;
  readonly #tables = new Map<string, Map<string, Item>>();

  constructor(
    private readonly specs: Record<string, TableSpec>,
    private readonly predicates: Record<string, Predicate> = {},
  ) {
    super();
    this.respond = (cmd) => this.answer(cmd);
  }

  /** A copy of the item under `key`, if any. */
  item(table: string, key: Item): Item | undefined {
    const found = this.rows(table).get(this.keyOf(table, key));
    return found === undefined ? undefined : clone(found);
  }

  /** Copies of every item of `table`, in the order each was first written. */
  items(table: string): Item[] {
    return [...this.rows(table).values()].map(clone);
  }

  /** Put or change an item from outside the code under test (arrange a state). */
  seed(table: string, item: Item): void {
    this.rows(table).set(this.keyOf(table, item), clone(item));
  }

  private spec(table: string): TableSpec {
    const spec = this.specs[table];
    if (!spec)
      throw new Error(`the model has no table "${table}" (has ${Object.keys(this.specs).join(', ')})`);
    return spec;
  }

  private rows(table: string): Map<string, Item> {
    this.spec(table);
    let rows = this.#tables.get(table);
    if (!rows) {
      rows = new Map();
      this.#tables.set(table, rows);
    }
    return rows;
  }

  private keyOf(table: string, item: Item): string {
    const { partitionKey, sortKey } = this.spec(table);
    if (item[partitionKey] === undefined)
      throw new Error(`ValidationException: no ${partitionKey} in the key`);
    return JSON.stringify(sortKey === undefined ? [item[partitionKey]] : [item[partitionKey], item[sortKey]]);
  }

  private async answer(cmd: unknown): Promise<unknown> {
    if (cmd instanceof GetCommand) {
      const item = this.item(cmd.input.TableName ?? '', cmd.input.Key ?? {});
      return item === undefined ? {} : { Item: item };
    }
    if (cmd instanceof PutCommand) {
      const { TableName = '', Item: item = {} } = cmd.input;
      this.expect(this.holds(cmd.input.ConditionExpression, TableName, item, cmd.input));
      this.rows(TableName).set(this.keyOf(TableName, item), clone(item));
      return {};
    }
    if (cmd instanceof DeleteCommand) {
      const { TableName = '', Key = {} } = cmd.input;
      this.expect(this.holds(cmd.input.ConditionExpression, TableName, Key, cmd.input));
      this.rows(TableName).delete(this.keyOf(TableName, Key));
      return {};
    }
    if (cmd instanceof UpdateCommand) {
      const { TableName = '', Key = {} } = cmd.input;
      this.expect(this.holds(cmd.input.ConditionExpression, TableName, Key, cmd.input, true));
      const next = this.updated(cmd.input);
      this.rows(TableName).set(this.keyOf(TableName, Key), next);
      return cmd.input.ReturnValues === 'ALL_NEW' ? { Attributes: clone(next) } : {};
    }
    if (cmd instanceof QueryCommand) return this.query(cmd.input);
    if (cmd instanceof TransactWriteCommand) return this.transact(cmd.input.TransactItems ?? []);
    throw new Error(`the DynamoDB model does not answer ${(cmd as object).constructor.name}`);
  }

  /**
   * Whether `condition` holds for the item stored under `key`'s key. An update's placeholders
   * are checked with its update expression ({@link updated}); the others' here.
   */
  private holds(
    condition: string | undefined,
    table: string,
    key: Item,
    input: Expressions,
    isUpdate = false,
  ): boolean {
    if (!isUpdate) this.checkPlaceholders([condition], input);
    if (condition === undefined) return true;
    const current = this.rows(table).get(this.keyOf(table, key));
    return this.predicate(condition)(
      current,
      input.ExpressionAttributeValues ?? {},
      input.ExpressionAttributeNames ?? {},
    );
  }

  private predicate(expression: string): Predicate {
    const p = this.predicates[expression];
    if (!p) throw new Error(`the DynamoDB model was not told what "${expression}" means`);
    return p;
  }

  private expect(ok: boolean): void {
    if (!ok)
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  }

  private transact(ops: TransactItem[]): unknown {
    const keys = ops.map((o) => {
      const op = o.Put ?? o.Update ?? o.Delete ?? o.ConditionCheck;
      const table = op?.TableName ?? '';
      return `${table}/${this.keyOf(table, o.Put ? (o.Put.Item ?? {}) : ((op as { Key?: Item }).Key ?? {}))}`;
    });
    if (new Set(keys).size !== keys.length)
      throw new Error(`ValidationException: a transaction touches an item twice (${keys.join(', ')})`);
    const failed = ops.map((o) => {
      const op = o.Put ?? o.Update ?? o.Delete ?? o.ConditionCheck;
      const table = op?.TableName ?? '';
      const key = o.Put ? (o.Put.Item ?? {}) : ((op as { Key?: Item }).Key ?? {});
      return !this.holds(op?.ConditionExpression, table, key, op ?? {}, o.Update !== undefined);
    });
    if (failed.some(Boolean))
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons`,
        $metadata: {},
        CancellationReasons: failed.map((f) => ({ Code: f ? 'ConditionalCheckFailed' : 'None' })),
      });
    for (const o of ops) {
      if (o.Put) this.seed(o.Put.TableName ?? '', o.Put.Item ?? {});
      if (o.Delete)
        this.rows(o.Delete.TableName ?? '').delete(this.keyOf(o.Delete.TableName ?? '', o.Delete.Key ?? {}));
      if (o.Update) {
        const u = o.Update as UpdateCommandInput;
        this.rows(u.TableName ?? '').set(this.keyOf(u.TableName ?? '', u.Key ?? {}), this.updated(u));
      }
    }
    return {};
  }

  /** The item after `SET a = v, b = if_not_exists(b, :x), c = c + :n`, `REMOVE d` and `ADD e :n`. */
  private updated(input: UpdateCommandInput): Item {
    const table = input.TableName ?? '';
    const expr = input.UpdateExpression ?? '';
    this.checkPlaceholders([expr, input.ConditionExpression], input);
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const before: Item = clone(this.rows(table).get(this.keyOf(table, input.Key ?? {})) ?? { ...input.Key });
    const next: Item = clone(before);
    const attr = (token: string): string => {
      const name = token.startsWith('#') ? names[token] : token;
      if (name === undefined) throw new Error(`undefined name ${token}`);
      if (!token.startsWith('#') && RESERVED.has(token)) throw new Error(`reserved word ${token} used bare`);
      return name;
    };
    const operand = (s: string): unknown => {
      const t = s.trim();
      const ine = /^if_not_exists\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)$/.exec(t);
      if (ine) return before[attr(ine[1] ?? '')] ?? values[ine[2] ?? ''];
      if (t.startsWith(':')) return values[t];
      return before[attr(t)];
    };
    const clauses = expr.split(/\s*\b(SET|REMOVE|ADD)\s+/).filter(Boolean);
    for (let i = 0; i < clauses.length; i += 2) {
      const [kw, body] = [clauses[i], clauses[i + 1] ?? ''];
      for (const part of splitOutside(body, ',')) {
        if (kw === 'REMOVE') {
          delete next[attr(part)];
          continue;
        }
        if (kw === 'ADD') {
          // `ADD n :v` on a number (a missing one counts as 0).
          const [name = '', value = ''] = part.split(/\s+/);
          next[attr(name)] = ((before[attr(name)] as number | undefined) ?? 0) + (values[value] as number);
          continue;
        }
        const eq = part.indexOf('=');
        const lhs = attr(part.slice(0, eq).trim());
        const sum = splitOutside(part.slice(eq + 1), '+');
        next[lhs] =
          sum.length === 2
            ? (operand(sum[0] ?? '') as number) + (operand(sum[1] ?? '') as number)
            : operand(sum[0] ?? '');
        if (sum.length === 2 && Number.isNaN(next[lhs]))
          throw new Error(`ValidationException: ${part} on a missing number`);
      }
    }
    return next;
  }

  private query(q: QueryCommandInput): unknown {
    const table = q.TableName ?? '';
    const spec = this.spec(table);
    const index = q.IndexName === undefined ? spec : spec.indexes?.[q.IndexName];
    if (!index) throw new Error(`ValidationException: no index ${q.IndexName} on ${table}`);
    this.checkPlaceholders([q.KeyConditionExpression, q.FilterExpression, q.ProjectionExpression], q);
    const names = q.ExpressionAttributeNames ?? {};
    const values = q.ExpressionAttributeValues ?? {};
    const keyCondition =
      /^([#\w]+) = (:\w+)(?: AND ([#\w]+) (?:BETWEEN (:\w+) AND (:\w+)|(<=|>=|<|>|=) (:\w+)))?$/.exec(
        q.KeyConditionExpression ?? '',
      );
    if (!keyCondition)
      throw new Error(
        `the DynamoDB model reads only "<partition key> = :v [AND <sort key> BETWEEN :a AND :b | <op> :v]", not "${q.KeyConditionExpression}"`,
      );
    const [, pk = '', pkValue = '', sk, low, high, op, operand] = keyCondition;
    const keyAttr = names[pk] ?? pk;
    if (keyAttr !== index.partitionKey)
      throw new Error(`ValidationException: ${keyAttr} is not the partition key of ${q.IndexName ?? table}`);
    const sortBy = index.sortKey ?? spec.sortKey;
    if (sk !== undefined && (names[sk] ?? sk) !== sortBy)
      throw new Error(`ValidationException: ${sk} is not the sort key of ${q.IndexName ?? table}`);
    const inRange = (v: unknown): boolean => {
      if (sk === undefined) return true;
      if (low !== undefined) return compare(v, values[low]) >= 0 && compare(v, values[high ?? '']) <= 0;
      const c = compare(v, values[operand ?? '']);
      return op === '<=' ? c <= 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : op === '>' ? c > 0 : c === 0;
    };
    // Index order: the sort key, ties in the table's key order.
    const tieKeys = [spec.partitionKey, spec.sortKey].filter((a): a is string => a !== undefined);
    const position = (a: Item, b: Item): number => {
      for (const k of [sortBy, ...tieKeys]) {
        if (k === undefined) continue;
        const c = compare(a[k], b[k]);
        if (c !== 0) return c;
      }
      return 0;
    };
    let rows = [...this.rows(table).values()]
      .filter(
        (i) => i[index.partitionKey] === values[pkValue] && (sortBy === undefined || i[sortBy] !== undefined),
      )
      .filter((i) => inRange(sortBy === undefined ? undefined : i[sortBy]))
      .sort((a, b) => position(a, b));
    if (q.ScanIndexForward === false) rows.reverse();
    const keyAttrs = [
      ...new Set([spec.partitionKey, spec.sortKey, index.partitionKey, index.sortKey]),
    ].filter((a): a is string => a !== undefined);
    if (q.ExclusiveStartKey) {
      // After the start key's position, whether or not that item is still there (as DynamoDB).
      const start = q.ExclusiveStartKey;
      const forward = q.ScanIndexForward !== false;
      rows = rows.filter((r) => (forward ? position(r, start) > 0 : position(r, start) < 0));
    }
    // Limit counts the items read; the filter applies to them after.
    const page = rows.slice(0, Math.min(q.Limit ?? Number.POSITIVE_INFINITY, this.pageSize));
    const last = rows.length > page.length ? page.at(-1) : undefined;
    const filter = q.FilterExpression === undefined ? undefined : this.predicate(q.FilterExpression);
    const kept = filter === undefined ? page : page.filter((i) => filter(i, values, names));
    const projected = q.ProjectionExpression
      ? kept.map((r) => {
          const attrs = q.ProjectionExpression!.split(',').map((n) => names[n.trim()] ?? n.trim());
          return Object.fromEntries(attrs.filter((a) => a in r).map((a) => [a, r[a]]));
        })
      : kept;
    return {
      ...(q.Select === 'COUNT' ? {} : { Items: clone(projected) }),
      Count: kept.length,
      ScannedCount: page.length,
      ...(last ? { LastEvaluatedKey: Object.fromEntries(keyAttrs.map((a) => [a, last[a]])) } : {}),
    };
  }

  /** DynamoDB refuses a request with an unused or an undefined placeholder. */
  private checkPlaceholders(exprs: Array<string | undefined>, input: Expressions): void {
    const text = exprs.filter(Boolean).join(' ');
    const used = new Set(text.match(/[:#][A-Za-z0-9_]+/g) ?? []);
    const defined = [
      ...Object.keys(input.ExpressionAttributeNames ?? {}),
      ...Object.keys(input.ExpressionAttributeValues ?? {}),
    ];
    const undefinedOnes = [...used].filter((u) => !defined.includes(u));
    if (undefinedOnes.length > 0)
      throw new Error(`ValidationException: undefined placeholders ${undefinedOnes.join(', ')} in "${text}"`);
    const unused = defined.filter((d) => !used.has(d));
    if (unused.length > 0)
      throw new Error(`ValidationException: unused placeholders ${unused.join(', ')} in "${text}"`);
  }
}

/** Split `s` on `sep` outside parentheses. */
function splitOutside(s: string, sep: ',' | '+'): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === sep && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
