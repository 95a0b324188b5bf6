/**
 * Intent search across entities (`GET /api/scheduler/intents`), the summary, and the matching a
 * bulk cancellation iterates. Every read is a Query on one index of `_scheduler_intents`
 * (lib/scheduler/intent.ts), never a Scan; which index, by the most selective filter given:
 *
 * | filters                              | index       | key condition                     |
 * |--------------------------------------|-------------|-----------------------------------|
 * | `entity_id` (+ any)                  | by_entity   | entity_id = :v [AND run_at range] |
 * | `pattern` (+ any but entity_id)      | by_pattern  | pattern = :v [AND run_at range]   |
 * | `status` (+ action, entity_type)     | by_status   | status = :v [AND run_at range]    |
 * | only action, entity_type, or nothing | by_status   | each of the 5 statuses, merged    |
 *
 * The other filters are a FilterExpression on those reads. Pages are in `run_at` order: with
 * several partitions (no status), each is read from its own position and the reads are merged,
 * emitting only items no unread one can precede; the cursor (signed, lib/aws/dynamodb.ts)
 * carries every partition's position. A page may hold fewer than `limit` items when a filter
 * drops most of what was read; `next_cursor` then still goes on.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, queryPages } from '../aws/dynamodb.ts';
import { INTENT_STATUSES } from './contract-schedule.ts';
import type { IntentFilter } from './contract-schemas.ts';
import { INDEX, type IntentRecord } from './intent.ts';

type Key = Record<string, string | number>;

/** The index, partition(s) and filter expression a filter reads. */
export interface SearchPlan {
  index: (typeof INDEX)[keyof typeof INDEX];
  /** The index's partition key attribute and the values read (merged in run_at order). */
  partitionKey: 'entity_id' | 'pattern' | 'status';
  partitions: string[];
  /** Key condition on the sort key (`run_at`), if any. */
  range?: string;
  filter?: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** Query calls one partition may make for one page (a sparse filter ends the page early). */
const MAX_CALLS_PER_PARTITION = 5;
/** Items a call reads when a filter applies (Limit counts items read, before the filter). */
const FILTERED_READ = 100;

export function planSearch(filter: IntentFilter): SearchPlan {
  const names: Record<string, string> = { '#pk': '' };
  const values: Record<string, unknown> = {};
  let partitionKey: SearchPlan['partitionKey'];
  let partitions: string[];
  let index: SearchPlan['index'];
  if (filter.entity_id !== undefined) {
    [index, partitionKey, partitions] = [INDEX.entity, 'entity_id', [filter.entity_id]];
  } else if (filter.pattern !== undefined) {
    [index, partitionKey, partitions] = [INDEX.pattern, 'pattern', [filter.pattern]];
  } else {
    [index, partitionKey] = [INDEX.status, 'status'];
    partitions = filter.status !== undefined ? [filter.status] : [...INTENT_STATUSES];
  }
  names['#pk'] = partitionKey;
  let range: string | undefined;
  const from = filter.run_at_from && new Date(filter.run_at_from).toISOString();
  const to = filter.run_at_to && new Date(filter.run_at_to).toISOString();
  if (from) values[':from'] = from;
  if (to) values[':to'] = to;
  if (from && to) range = 'run_at BETWEEN :from AND :to';
  else if (from) range = 'run_at >= :from';
  else if (to) range = 'run_at <= :to';
  const conditions: string[] = [];
  const also = (attr: 'status' | 'action' | 'pattern' | 'entity_type', value: string | undefined) => {
    if (value === undefined || attr === partitionKey) return;
    names[`#${attr}`] = attr;
    values[`:${attr}`] = value;
    conditions.push(`#${attr} = :${attr}`);
  };
  also('status', filter.status);
  also('action', filter.action);
  also('pattern', filter.pattern);
  also('entity_type', filter.entity_type);
  return {
    index,
    partitionKey,
    partitions,
    ...(range ? { range } : {}),
    ...(conditions.length ? { filter: conditions.join(' AND ') } : {}),
    names,
    values,
  };
}

/** The scope a cursor is signed for: the index and the whole filter, so it fits no other query. */
const scopeOf = (plan: SearchPlan, filter: IntentFilter) =>
  `scheduler-intents:${plan.index}:${JSON.stringify(Object.entries(filter).sort())}`;

/** The index key of an item (its position, as DynamoDB's `LastEvaluatedKey` gives it). */
const positionOf = (plan: SearchPlan, item: IntentRecord): Key => ({
  id: item.id,
  run_at: item.run_at,
  [plan.partitionKey]: item[plan.partitionKey],
});

interface PartitionRead {
  items: IntentRecord[];
  /** Where reading stopped (undefined: the partition is exhausted). */
  upTo: Key | undefined;
}

export class IntentSearch {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private query(plan: SearchPlan, partition: string): QueryCommandInput {
    return {
      TableName: this.table,
      IndexName: plan.index,
      KeyConditionExpression: `#pk = :pk${plan.range ? ` AND ${plan.range}` : ''}`,
      ...(plan.filter ? { FilterExpression: plan.filter } : {}),
      ExpressionAttributeNames: plan.names,
      ExpressionAttributeValues: { ...plan.values, ':pk': partition },
    };
  }

  /** One page of intents matching `filter`, in run_at order, and the (signed) cursor of the next. */
  async page(
    filter: IntentFilter,
    limit: number,
    cursor?: string,
  ): Promise<{ items: IntentRecord[]; next_cursor?: string }> {
    const scope = scopeOf(planSearch(filter), filter);
    const out = await this.pageAt(filter, limit, cursor ? decodeCursor(cursor, scope) : undefined);
    return { items: out.items, ...(out.next ? { next_cursor: encodeCursor(out.next, scope) } : {}) };
  }

  /**
   * One page from `at` (the positions a previous page returned as `next`; undefined: the first
   * page), and the positions of the next page (undefined: no more).
   */
  async pageAt(
    filter: IntentFilter,
    limit: number,
    at?: Record<string, string | number>,
  ): Promise<{ items: IntentRecord[]; next?: Key }> {
    const plan = planSearch(filter);
    const start = at ? this.positions(at, plan) : undefined;
    const reads = await Promise.all(
      plan.partitions.map((p, i) =>
        start && !start.has(i) ? { items: [], upTo: undefined } : this.read(plan, p, start?.get(i), limit),
      ),
    );
    // Items at or before every unfinished partition's frontier: nothing unread can precede them.
    const frontier = reads
      .filter((r) => r.upTo !== undefined)
      .map((r) => String(r.upTo?.run_at))
      .sort()[0];
    const heads = reads.map(() => 0);
    const items: IntentRecord[] = [];
    const last = new Map<number, IntentRecord>();
    while (items.length < limit) {
      let best = -1;
      for (let i = 0; i < reads.length; i++) {
        const head = reads[i]?.items[heads[i] ?? 0];
        const current = best >= 0 ? reads[best]?.items[heads[best] ?? 0] : undefined;
        if (head && (!current || head.run_at < current.run_at)) best = i;
      }
      const next = best >= 0 ? reads[best]?.items[heads[best] ?? 0] : undefined;
      if (!next || (frontier !== undefined && next.run_at > frontier)) break;
      items.push(next);
      last.set(best, next);
      heads[best] = (heads[best] ?? 0) + 1;
    }
    // Each partition resumes after its last emitted item, or after what it read if all of it went out.
    const positions: Key = {};
    let more = false;
    reads.forEach((r, i) => {
      const allOut = (heads[i] ?? 0) >= r.items.length;
      if (allOut && r.upTo === undefined) return; // finished
      more = true;
      const emitted = last.get(i);
      const resume = allOut ? r.upTo : emitted ? positionOf(plan, emitted) : start?.get(i);
      if (resume) for (const [k, v] of Object.entries(resume)) positions[`${i}.${k}`] = v;
      else positions[`${i}.from`] = 'start';
    });
    return { items, ...(more ? { next: positions } : {}) };
  }

  /** How many intents match `filter` (every page of every partition counted), up to `max`. */
  async count(filter: IntentFilter, max = Number.POSITIVE_INFINITY): Promise<number> {
    const plan = planSearch(filter);
    let n = 0;
    for (const p of plan.partitions) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.ddb.send(
          new QueryCommand({
            ...this.query(plan, p),
            Select: 'COUNT',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        n += out.Count ?? 0;
        if (n > max) return n;
        start = out.LastEvaluatedKey;
      } while (start);
    }
    return n;
  }

  /** Every partition's start position in a cursor (a partition absent from it is finished). */
  private positions(cursor: Record<string, string | number>, plan: SearchPlan): Map<number, Key | undefined> {
    const out = new Map<number, Key | undefined>();
    for (const [k, v] of Object.entries(cursor)) {
      const [i, attr] = k.split('.') as [string, string];
      const n = Number(i);
      if (!Number.isInteger(n) || n < 0 || n >= plan.partitions.length) continue;
      if (attr === 'from') {
        out.set(n, undefined);
        continue;
      }
      out.set(n, { ...(out.get(n) ?? {}), [attr]: v });
    }
    return out;
  }

  /** Up to `limit` matching items of one partition from `start`, within a bounded number of calls. */
  private async read(plan: SearchPlan, partition: string, start: Key | undefined, limit: number) {
    const out: PartitionRead = { items: [], upTo: start };
    const input = this.query(plan, partition);
    let calls = 0;
    for await (const page of queryPages<IntentRecord>(this.ddb, {
      ...input,
      Limit: plan.filter ? Math.max(limit, FILTERED_READ) : limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    })) {
      out.items.push(...page.items);
      out.upTo = page.lastKey as Key | undefined;
      if (out.items.length >= limit || ++calls >= MAX_CALLS_PER_PARTITION) break;
    }
    return out;
  }
}

/** Scheduled intents by pattern and by when they are due (disjoint buckets), and how many are deferred. */
export async function summarize(ddb: DynamoDBDocumentClient, table: string, now: Date, horizonMs: number) {
  const bucketsOf = () => ({ next_hour: 0, next_day: 0, next_week: 0, later: 0, all: 0 });
  const total = { ...bucketsOf(), deferred: 0 };
  const byPattern = new Map<string, ReturnType<typeof bucketsOf>>();
  const t = now.getTime();
  const edges: Array<[keyof ReturnType<typeof bucketsOf>, number]> = [
    ['next_hour', t + 3_600_000],
    ['next_day', t + 86_400_000],
    ['next_week', t + 7 * 86_400_000],
  ];
  for await (const page of queryPages<Pick<IntentRecord, 'pattern' | 'run_at' | 'schedule'>>(ddb, {
    TableName: table,
    IndexName: INDEX.status,
    KeyConditionExpression: '#status = :s',
    ProjectionExpression: 'pattern, run_at, #schedule',
    ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
    ExpressionAttributeValues: { ':s': 'scheduled' },
  })) {
    for (const i of page.items) {
      const due = Date.parse(i.run_at);
      const bucket = edges.find(([, edge]) => due <= edge)?.[0] ?? 'later';
      const p = byPattern.get(i.pattern) ?? bucketsOf();
      byPattern.set(i.pattern, p);
      for (const c of [p, total]) {
        c[bucket]++;
        c.all++;
      }
      if (i.schedule === 'deferred') total.deferred++;
    }
  }
  return {
    as_of: now.toISOString(),
    horizon: `${Math.round(horizonMs / 1000)}s`,
    total,
    by_pattern: [...byPattern]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([pattern, c]) => ({ pattern, ...c })),
  };
}
