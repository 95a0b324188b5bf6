/**
 * An in-memory {@link RecordRepo} with DynamoDB's semantics where the records service relies on
 * them: conditional writes, key order of the table and of both GSIs, FilterExpression applied
 * after `Limit`, paging with `lastKey`, projection. For unit tests and local experiments.
 */

import {
  BY_NAMESPACE_INDEX,
  BY_STATE_INDEX,
  type MetadataRecord,
  type RecordKey,
  refOf,
  typeNameOf,
} from '../../lib/records/contract.ts';
import type { PartitionPage, PartitionQuery } from '../../lib/records/query.ts';
import {
  type BatchWrite,
  type RecordRepo,
  type RecordStamp,
  type TxAction,
  WriteConflictError,
} from '../../lib/records/store.ts';

const clone = <T>(v: T): T => structuredClone(v);

/** A stored record for tests: `type/name` and the rest defaulted (override any field). */
export const aRecord = (over: Partial<MetadataRecord> & { name: string }): MetadataRecord => ({
  id: `id-${over.name}`,
  type: 'object',
  namespace: 'crm',
  scope: 'platform',
  metadata: {},
  strategy: 'merge',
  validation: 'strict',
  owner: 'o',
  state: 'active',
  version: 1,
  created_by: 'a',
  created_at: '2025-01-01T00:00:00Z',
  updated_by: 'a',
  updated_at: '2025-01-01T00:00:00Z',
  ...over,
});

export class MemoryRecordRepo implements RecordRepo {
  readonly records = new Map<string, MetadataRecord>();
  /** Calls made, by method name (for assertions). */
  readonly calls: Record<string, number> = {};
  /** Items a query evaluates per page when it has no Limit (DynamoDB's 1 MB page, scaled down). */
  pageItems = 100;

  constructor(seed: readonly MetadataRecord[] = []) {
    for (const r of seed) this.records.set(refOf(r), clone(r));
  }

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  async get(key: RecordKey): Promise<MetadataRecord | undefined> {
    this.count('get');
    const r = this.records.get(refOf(key));
    return r ? clone(r) : undefined;
  }

  async stamps(keys: readonly RecordKey[]): Promise<Map<string, RecordStamp>> {
    this.count('stamps');
    const out = new Map<string, RecordStamp>();
    for (const k of keys) {
      const r = this.records.get(refOf(k));
      if (r) out.set(refOf(k), { id: r.id, version: r.version });
    }
    return out;
  }

  private check(key: RecordKey, expectedVersion: number | null): boolean {
    const current = this.records.get(refOf(key));
    return expectedVersion === null ? current === undefined : current?.version === expectedVersion;
  }

  async put(record: MetadataRecord, expectedVersion: number | null): Promise<void> {
    this.count('put');
    if (!this.check(record, expectedVersion)) throw new WriteConflictError(`${refOf(record)} changed`);
    this.records.set(refOf(record), clone(record));
  }

  async delete(key: RecordKey, expectedVersion: number): Promise<void> {
    this.count('delete');
    if (!this.check(key, expectedVersion)) throw new WriteConflictError(`${refOf(key)} changed`);
    this.records.delete(refOf(key));
  }

  async batchGet(keys: readonly RecordKey[]): Promise<Map<string, MetadataRecord>> {
    this.count('batchGet');
    const out = new Map<string, MetadataRecord>();
    for (const k of keys) {
      const r = this.records.get(refOf(k));
      if (r) out.set(refOf(k), clone(r));
    }
    return out;
  }

  async batchWrite(writes: readonly BatchWrite[]): Promise<BatchWrite[]> {
    this.count('batchWrite');
    for (const w of writes) {
      if ('put' in w) this.records.set(refOf(w.put), clone(w.put));
      else this.records.delete(refOf(w.delete));
    }
    return [];
  }

  async transactWrite(actions: readonly TxAction[]): Promise<void> {
    this.count('transactWrite');
    const failed = actions.flatMap((a, i) =>
      this.check('put' in a ? a.put : a.delete, a.expectedVersion) ? [] : [i],
    );
    if (failed.length) throw new WriteConflictError('transaction cancelled', failed);
    for (const a of actions) {
      if ('put' in a) this.records.set(refOf(a.put), clone(a.put));
      else this.records.delete(refOf(a.delete));
    }
  }

  async queryPartition(q: PartitionQuery): Promise<PartitionPage> {
    this.count('queryPartition');
    const { index, value } = q.partition;
    const skOf = (r: MetadataRecord) => (index === 'table' ? r.name : typeNameOf(r));
    let rows = [...this.records.values()].filter((r) =>
      index === 'table'
        ? r.type === value
        : index === BY_NAMESPACE_INDEX
          ? r.namespace === value
          : index === BY_STATE_INDEX
            ? r.state === value
            : false,
    );
    const dir = q.descending ? -1 : 1;
    rows.sort((a, b) => (skOf(a) < skOf(b) ? -dir : skOf(a) > skOf(b) ? dir : 0));
    const after = q.after;
    if (after !== undefined) rows = rows.filter((r) => (q.descending ? skOf(r) < after : skOf(r) > after));
    const start = q.startKey?.sk;
    if (typeof start === 'string')
      rows = rows.filter((r) => (q.descending ? skOf(r) < start : skOf(r) > start));
    const evaluated = rows.slice(0, q.limit ?? this.pageItems);
    const last = evaluated[evaluated.length - 1];
    const matching = evaluated.filter((r) =>
      Object.entries(q.filters).every(([field, list]) => {
        const v = (r as unknown as Record<string, unknown>)[field];
        return !list || (typeof v === 'string' && list.includes(v));
      }),
    );
    const items = matching.map((r) => {
      if (!q.projection) return clone(r);
      const picked: Record<string, unknown> = {};
      for (const f of q.projection) {
        const v = (r as unknown as Record<string, unknown>)[f];
        if (v !== undefined) picked[f] = clone(v);
      }
      return picked as unknown as MetadataRecord;
    });
    return {
      items,
      ...(rows.length > evaluated.length && last ? { lastKey: { sk: skOf(last) } } : {}),
    };
  }
}
