import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../lib/aws/dynamodb.ts';
import { isTemporaError } from '../../../lib/errors.ts';
import {
  type ListQuery,
  type MetadataRecord,
  parseFields,
  parseListQuery,
  parseSort,
  type RecordState,
} from '../../../lib/records/contract.ts';
import { cutToBudget, nativePage, selectFields, sortedPage } from '../../../lib/records/pages.ts';
import {
  comparator,
  decodeListCursor,
  encodeListCursor,
  partitionBound,
  planQuery,
  positionOf,
} from '../../../lib/records/query.ts';
import { MemoryRecordRepo } from '../../kit/records-memory-repo.ts';

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (e) {
    if (isTemporaError(e) && e.status === 400)
      return (e.details as { issues: Array<{ path: string; message: string }> }).issues;
    throw e;
  }
  throw new Error('expected a 400');
}

const rec = (i: number, over: Partial<MetadataRecord> = {}): MetadataRecord => ({
  id: `01J${String(i).padStart(23, '0')}`,
  type: ['flow', 'object', 'view'][i % 3] as string,
  name: `r${String(i).padStart(3, '0')}`,
  namespace: ['crm', 'ops'][i % 2] as string,
  scope: i % 4 === 0 ? 'system' : 'platform',
  metadata: { tags: [`t${i}`], custom_rules: { n: i } },
  strategy: 'merge',
  validation: 'strict',
  owner: i % 5 === 0 ? 'alice' : 'bob',
  state: (['active', 'active', 'draft', 'archived'] as RecordState[])[i % 4] as RecordState,
  version: (i * 7) % 5,
  created_by: 'dev-admin',
  created_at: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
  updated_by: 'dev-admin',
  updated_at: `2025-02-${String(((i * 3) % 28) + 1).padStart(2, '0')}T00:00:00Z`,
  ...over,
});

describe('query parameters', () => {
  it('parses filters (comma lists), sort, page size, fields and include_archived', () => {
    const q = parseListQuery({
      type: 'object,view',
      namespace: 'crm',
      state: 'active',
      owner: 'alice',
      sort: 'namespace,-updated_at,name',
      page_size: '25',
      fields: 'name,type,metadata.tags',
      include_archived: 'true',
    });
    expect(q).toMatchObject({
      types: ['object', 'view'],
      namespaces: ['crm'],
      states: ['active'],
      owners: ['alice'],
      includeArchived: true,
      pageSize: 25,
      sort: [
        { field: 'namespace', desc: false },
        { field: 'updated_at', desc: true },
        { field: 'name', desc: false },
      ],
      fields: [['name'], ['type'], ['metadata', 'tags']],
    });
    expect(parseListQuery({})).toEqual({ includeArchived: false, sort: [], pageSize: 50 });
  });

  it('names every bad parameter at once', () => {
    const paths = issuesOf(() =>
      parseListQuery({
        type: 'Bad Type',
        state: 'gone',
        page_size: '1000',
        sort: 'colour',
        fields: 'nope',
        include_archived: 'yes',
        extra: '1',
      }),
    ).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'query.type[0]',
        'query.state[0]',
        'query.page_size',
        'query.sort',
        'query.fields',
        'query.include_archived',
        'query.extra',
      ]),
    );
  });

  it('validates sort keys against the sortable fields', () => {
    expect(parseSort('-version,+name')).toEqual([
      { field: 'version', desc: true },
      { field: 'name', desc: false },
    ]);
    expect(issuesOf(() => parseSort('metadata'))[0]?.message).toMatch(
      /cannot sort by "metadata" \(sortable: type, name/,
    );
    expect(issuesOf(() => parseSort('name,-name'))[0]?.message).toMatch(/given twice/);
    expect(issuesOf(() => parseSort('type,name,scope,state,owner,version'))[0]?.message).toMatch(/at most 5/);
  });

  it('validates field paths', () => {
    expect(parseFields('metadata.service_specific.campaign')).toEqual([
      ['metadata', 'service_specific', 'campaign'],
    ]);
    expect(issuesOf(() => parseFields('name.first'))[0]?.message).toMatch(/no sub-fields/);
    expect(issuesOf(() => parseFields('metadata.a b'))[0]?.message).toMatch(/not a valid metadata path/);
  });
});

describe('selectFields', () => {
  it('keeps type and name plus the selected paths, nested ones included', () => {
    const r = rec(1, { metadata: { tags: ['x'], custom_rules: { a: 1, b: 2 } } });
    expect(
      selectFields(r, [
        ['version'],
        ['metadata', 'tags'],
        ['metadata', 'custom_rules', 'b'],
        ['metadata', 'nope'],
      ]),
    ).toEqual({
      type: r.type,
      name: r.name,
      version: r.version,
      metadata: { tags: ['x'], custom_rules: { b: 2 } },
    });
    expect(selectFields(r, undefined)).toBe(r);
  });
});

const planOf = (raw: Record<string, string>) => planQuery(parseListQuery(raw));

describe('planQuery', () => {
  it('queries the table by type, the namespace index, else the state index — never a scan', () => {
    expect(planOf({ type: 'object,view', namespace: 'crm' })).toMatchObject({
      partitions: [
        { index: 'table', value: 'object' },
        { index: 'table', value: 'view' },
      ],
      filters: { namespace: ['crm'], state: ['active', 'draft'] },
      native: true,
    });
    expect(planOf({ namespace: 'crm', scope: 'system' })).toMatchObject({
      partitions: [{ index: 'by_namespace', value: 'crm' }],
      filters: { state: ['active', 'draft'], scope: ['system'] },
    });
    expect(planOf({ owner: 'alice' })).toMatchObject({
      partitions: [
        { index: 'by_state', value: 'active' },
        { index: 'by_state', value: 'draft' },
      ],
      filters: { owner: ['alice'] },
    });
    expect(planOf({ include_archived: 'true' }).partitions.map((p) => p.value)).toEqual([
      'active',
      'archived',
      'draft',
    ]);
    expect(planOf({ type: 'object', include_archived: 'true' }).filters).toEqual({});
    expect(planOf({ state: 'archived' }).partitions).toEqual([{ index: 'by_state', value: 'archived' }]);
  });

  it('reads natively when the order is the index order', () => {
    expect(planOf({}).native).toBe(true);
    expect(planOf({ sort: '-type,-name' })).toMatchObject({ native: true, descending: true });
    expect(planOf({ type: 'object', sort: '-name' })).toMatchObject({ native: true, descending: true });
    expect(planOf({ namespace: 'crm', sort: 'namespace,type' })).toMatchObject({ native: true });
    expect(planOf({ sort: 'name' }).native).toBe(false);
    expect(planOf({ sort: 'type,-name' }).native).toBe(false);
    expect(planOf({ type: 'object', sort: '-updated_at' }).native).toBe(false);
  });

  it('appends type and name as tie-breakers', () => {
    expect(planOf({ sort: '-version' }).order).toEqual([
      { field: 'version', desc: true },
      { field: 'type', desc: false },
      { field: 'name', desc: false },
    ]);
  });
});

describe('cursor', () => {
  const plan = planOf({ type: 'object', sort: '-version' });

  it('round-trips a position', () => {
    const pos = positionOf(rec(4), plan.order);
    expect(decodeListCursor(plan, encodeListCursor(plan, pos))).toEqual(pos);
  });

  it('rejects a cursor of another query, a forged one and garbage with 400 query.cursor', () => {
    const other = planOf({ type: 'view', sort: '-version' });
    const c = encodeListCursor(other, positionOf(rec(1), other.order));
    expect(issuesOf(() => decodeListCursor(plan, c))[0]).toMatchObject({
      path: 'query.cursor',
      message: expect.stringMatching(/different query/),
    });
    expect(issuesOf(() => decodeListCursor(plan, 'not-a-cursor'))[0]?.path).toBe('query.cursor');
    expect(
      issuesOf(() =>
        decodeListCursor(plan, encodeCursor({ v: 1, q: plan.fingerprint, k: '[1]' }, 'metadata-records')),
      )[0]?.path,
    ).toBe('query.cursor');
  });

  it('bounds each partition of a native read', () => {
    const pos = { type: 'object', name: 'r5' };
    expect(partitionBound({ index: 'table', value: 'object' }, pos, false)).toEqual({
      skip: false,
      after: 'r5',
    });
    expect(partitionBound({ index: 'table', value: 'flow' }, pos, false)).toEqual({ skip: true });
    expect(partitionBound({ index: 'table', value: 'view' }, pos, false)).toEqual({ skip: false });
    expect(partitionBound({ index: 'table', value: 'view' }, pos, true)).toEqual({ skip: true });
    expect(partitionBound({ index: 'by_state', value: 'active' }, pos, true)).toEqual({
      skip: false,
      after: 'object#r5',
    });
  });
});

describe('comparator', () => {
  it('orders by each key in turn, absent values first', () => {
    const cmp = comparator([
      { field: 'owner', desc: false },
      { field: 'version', desc: true },
    ]);
    const rows = [
      { owner: 'b', version: 1 },
      { owner: 'a', version: 1 },
      { version: 9 },
      { owner: 'a', version: 3 },
    ];
    expect([...rows].sort(cmp)).toEqual([
      { version: 9 },
      { owner: 'a', version: 3 },
      { owner: 'a', version: 1 },
      { owner: 'b', version: 1 },
    ]);
  });
});

describe('pagination over the partitions', () => {
  const records = Array.from({ length: 157 }, (_, i) => rec(i));
  const repo = new MemoryRecordRepo(records);
  repo.pageItems = 13; // force multi-page partition reads

  async function all(raw: Record<string, string>, pageSize: number): Promise<MetadataRecord[]> {
    const q: ListQuery = parseListQuery({ ...raw, page_size: String(pageSize) });
    const plan = planQuery(q);
    const out: MetadataRecord[] = [];
    let pos: ReturnType<typeof positionOf> | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const fetch = repo.queryPartition.bind(repo);
      const page = plan.native
        ? await nativePage(plan, pos, pageSize, fetch)
        : await sortedPage(plan, pos, pageSize, fetch, (k) => repo.batchGet(k));
      expect(page.items.length).toBeLessThanOrEqual(pageSize);
      out.push(...page.items);
      if (!page.more) return out;
      const last = page.items[page.items.length - 1];
      // through the opaque cursor, as a client would
      pos = decodeListCursor(
        plan,
        encodeListCursor(plan, last ? positionOf(last, plan.order) : (page.tail ?? {})),
      );
    }
    throw new Error('did not terminate');
  }

  const cases: Array<[Record<string, string>, (r: MetadataRecord) => boolean]> = [
    [{}, (r) => r.state !== 'archived'],
    [{ include_archived: 'true' }, () => true],
    [{ type: 'object' }, (r) => r.type === 'object' && r.state !== 'archived'],
    [
      { type: 'object,view', namespace: 'crm' },
      (r) => r.type !== 'flow' && r.namespace === 'crm' && r.state !== 'archived',
    ],
    [
      { namespace: 'ops', owner: 'alice' },
      (r) => r.namespace === 'ops' && r.owner === 'alice' && r.state !== 'archived',
    ],
    [{ scope: 'system', include_archived: 'true' }, (r) => r.scope === 'system'],
    [{ state: 'draft,archived', sort: '-type,-name' }, (r) => r.state !== 'active'],
    [{ type: 'view', sort: '-name' }, (r) => r.type === 'view' && r.state !== 'archived'],
    [{ sort: 'namespace,-updated_at,name' }, (r) => r.state !== 'archived'],
    [
      { type: 'flow,object', sort: '-version,created_at', include_archived: 'true' },
      (r) => r.type !== 'view',
    ],
  ];

  it.each(cases)(
    '%o: every matching record exactly once, in order, for several page sizes',
    async (raw, match) => {
      const plan = planQuery(parseListQuery(raw));
      const expected = records.filter(match).sort(comparator(plan.order));
      for (const size of [1, 7, 50, 100]) {
        const got = await all(raw, size);
        expect(got.map((r) => `${r.type}/${r.name}`)).toEqual(expected.map((r) => `${r.type}/${r.name}`));
      }
    },
  );

  it('refuses an in-memory sort over too many records (400) but pages natively', async () => {
    const plan = planQuery(parseListQuery({ sort: 'owner', include_archived: 'true' }));
    await expect(
      sortedPage(plan, undefined, 10, repo.queryPartition.bind(repo), (k) => repo.batchGet(k), 100),
    ).rejects.toMatchObject({
      status: 400,
      details: { limit: 100 },
    });
  });
});

describe('cutToBudget', () => {
  it('keeps the longest prefix within the budget, and at least one value', () => {
    const vals = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)];
    expect(cutToBudget(vals, 30)).toHaveLength(2); // 12+1 bytes each with quotes and separator
    expect(cutToBudget(vals, 1)).toHaveLength(1);
    expect(cutToBudget(vals, 1000)).toHaveLength(3);
  });
});
