/**
 * The records service over HTTPS: CRUD with on_conflict and If-Match, queries (filters,
 * sort, pagination, field selection), bulk writes (1,000 records, invalid ones, the 100-action
 * transactional limit), export → delete all → import round trip, extends/merge resolution.
 * Every run uses its own types and namespaces, so reruns never collide.
 */
import { describe, expect, it } from 'vitest';
import { type ApiResponse, api, eventually } from './support/client.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const T = (s: string) => `${s}-${run}`; // a type (or namespace) unique to this run

interface Rec {
  id: string;
  type: string;
  name: string;
  namespace: string;
  scope: string;
  metadata: Record<string, unknown>;
  extends?: string;
  strategy: string;
  validation: string;
  owner: string;
  state: string;
  version: number;
  created_at: string;
  updated_at: string;
  effective_metadata?: Record<string, unknown>;
  resolution?: { chain: string[]; warnings: unknown[] };
  [k: string]: unknown;
}

interface Page {
  items: Array<Partial<Rec>>;
  next_cursor: string | null;
}

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { issues?: Array<{ path: string }>; records?: Array<{ index: number }>; rule?: string };
  };
}

interface Report {
  summary: Record<string, number>;
  results: Array<{
    index: number;
    type: string | null;
    name: string | null;
    status: string;
    outcome?: string;
  }>;
}

interface Export {
  format: string;
  count: number;
  records: Rec[];
  next_cursor: string | null;
}

const url = (type: string, name: string, suffix = '') => `/api/metadata/${type}/${name}${suffix}`;

async function pages(query: string, pageSize: number): Promise<Array<Partial<Rec>>> {
  const out: Array<Partial<Rec>> = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const r: ApiResponse<Page> = await api<Page>(
      'GET',
      `/api/metadata?${query}&page_size=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { as: 'user' },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(pageSize);
    out.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (!cursor) return out;
  }
  throw new Error('too many pages');
}

async function exportAll(query: string): Promise<Export> {
  const records: Rec[] = [];
  let cursor: string | null = null;
  let format = '';
  do {
    const r: ApiResponse<Export> = await api<Export>(
      'GET',
      `/api/metadata/export?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(r.status, r.text).toBe(200);
    format = r.body.format;
    records.push(...r.body.records);
    cursor = r.body.next_cursor;
  } while (cursor);
  return { format, count: records.length, records, next_cursor: null };
}

const strip = (r: Rec) => {
  const { id, version, created_at, created_by, updated_at, updated_by, ...rest } = r;
  return rest;
};

describe('records service: save, read, delete', () => {
  const type = T('object');

  it('creates (201), updates by deep merge, honours on_conflict and If-Match, deletes', async () => {
    const created = await api<Rec>('PUT', url(type, 'account'), {
      body: {
        namespace: T('crm'),
        metadata: { tags: ['a', 'b'], custom_rules: { max_participants: 10, reward_tier: 'gold' } },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('x-tempora-outcome')).toBe('created');
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      type,
      name: 'account',
      version: 1,
      state: 'active',
      strategy: 'merge',
      owner: 'dev-admin',
    });
    expect(created.body.id).toMatch(/^[0-9A-Z]{26}$/);

    const read = await api<Rec>('GET', url(type, 'account'), { as: 'user' });
    expect(read.status, read.text).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await api<Rec>('PUT', url(type, 'account'), {
      as: 'service',
      body: { scope: 'system', metadata: { tags: ['c'], custom_rules: { reward_tier: 'platinum' } } },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({
      id: created.body.id,
      version: 2,
      scope: 'system',
      namespace: T('crm'),
      metadata: { tags: ['c'], custom_rules: { max_participants: 10, reward_tier: 'platinum' } },
    });

    const error = await api<ErrorBody>('PUT', `${url(type, 'account')}?on_conflict=error`, { body: {} });
    expect(error.status, error.text).toBe(409);
    const skip = await api<Rec>('PUT', `${url(type, 'account')}?on_conflict=skip`, {
      body: { metadata: { tags: ['z'] } },
    });
    expect(skip.status, skip.text).toBe(200);
    expect(skip.headers.get('x-tempora-outcome')).toBe('skipped');
    expect(skip.body).toMatchObject({ version: 2, metadata: { tags: ['c'] } });
    const replaced = await api<Rec>('PUT', url(type, 'account'), {
      body: { on_conflict: 'replace', metadata: { features: ['waitlist'] } },
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body).toMatchObject({
      version: 3,
      scope: 'platform',
      namespace: 'default',
      metadata: { features: ['waitlist'] },
    });

    const stale = await api<ErrorBody>('PUT', url(type, 'account'), {
      body: {},
      headers: { 'if-match': '2' },
    });
    expect(stale.status, stale.text).toBe(409);
    const fresh = await api<Rec>('PUT', url(type, 'account'), {
      body: { state: 'draft' },
      headers: { 'if-match': '3' },
    });
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.version).toBe(4);

    expect((await api('DELETE', url(type, 'account'), { headers: { 'if-match': '1' } })).status).toBe(409);
    expect((await api('DELETE', url(type, 'account'))).status).toBe(204);
    // another warm Lambda instance may serve its cached copy for up to the cache TTL (5 s)
    await eventually(
      async () => ((await api('GET', url(type, 'account'))).status === 404 ? true : undefined),
      10_000,
      'the deleted record to be gone from every read cache',
    );
    expect((await api('DELETE', url(type, 'account'))).status).toBe(404);
  });

  it('rejects bad input with 400 naming the field, and writes by users with 403', async () => {
    const badPath = await api<ErrorBody>('PUT', url('Bad_Type', 'x'), { body: {} });
    expect(badPath.status, badPath.text).toBe(400);
    expect(badPath.body.error.details?.issues?.map((i) => i.path)).toEqual(['path.type']);
    const badBody = await api<ErrorBody>('PUT', url(type, 'bad'), {
      body: { namespace: 'No Spaces', metadata: { colour: 'red' }, state: 'gone' },
    });
    expect(badBody.status, badBody.text).toBe(400);
    expect(badBody.body.error.details?.issues?.map((i) => i.path).sort()).toEqual([
      'metadata.colour',
      'namespace',
      'state',
    ]);
    const lenient = await api<Rec>('PUT', url(type, 'lenient'), {
      body: { validation: 'lenient', metadata: { colour: 'red' } },
    });
    expect(lenient.status, lenient.text).toBe(201);
    const forbidden = await api<ErrorBody>('PUT', url(type, 'mine'), { as: 'user', body: {} });
    expect(forbidden.status, forbidden.text).toBe(403);
    expect(forbidden.body.error.details?.rule).toBe('metadata.write');
    const exp = await api<ErrorBody>('GET', '/api/metadata/export', { as: 'user' });
    expect(exp.status).toBe(403);
    expect((await api('GET', url(type, 'lenient'), { as: null })).status).toBe(401);
    const badQuery = await api<ErrorBody>('GET', '/api/metadata?sort=colour&page_size=1000', { as: 'user' });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details?.issues?.map((i) => i.path).sort()).toEqual([
      'query.page_size',
      'query.sort',
    ]);
  });
});

describe('records service: query', () => {
  const ns = T('q');
  const types = [T('qa'), T('qb')];

  it('filters, sorts on several keys, pages with a cursor and selects fields', async () => {
    const operations = Array.from({ length: 24 }, (_, i) => ({
      op: 'upsert',
      type: types[i % 2],
      name: `r${String(i).padStart(2, '0')}`,
      namespace: ns,
      scope: i % 3 === 0 ? 'system' : 'platform',
      owner: i % 4 === 0 ? 'alice' : 'bob',
      state: i % 6 === 5 ? 'archived' : 'active',
      metadata: { tags: [`t${i}`], custom_rules: { n: i } },
    }));
    const bulk = await api<Report>('POST', '/api/metadata/bulk', { body: { operations } });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.body.summary.ok).toBe(24);

    const visible = operations.filter((o) => o.state !== 'archived');
    const byNs = await pages(`namespace=${ns}`, 5);
    expect(byNs.map((r) => `${r.type}/${r.name}`)).toEqual(visible.map((o) => `${o.type}/${o.name}`).sort());

    const withArchived = await pages(`namespace=${ns}&include_archived=true`, 7);
    expect(withArchived).toHaveLength(24);

    const oneType = await pages(`type=${types[0]}&owner=alice&scope=system`, 2);
    expect(oneType.map((r) => r.name)).toEqual(
      visible
        .filter((o) => o.type === types[0] && o.owner === 'alice' && o.scope === 'system')
        .map((o) => o.name),
    );

    const sorted = await pages(`type=${types.join(',')}&sort=scope,-name&fields=name,scope,metadata.tags`, 4);
    const expected = [...visible].sort((a, b) =>
      a.scope === b.scope ? (a.name < b.name ? 1 : -1) : a.scope < b.scope ? -1 : 1,
    );
    expect(sorted.map((r) => r.name)).toEqual(expected.map((o) => o.name));
    expect(Object.keys(sorted[0] ?? {}).sort()).toEqual(['metadata', 'name', 'scope', 'type']);
    expect(Object.keys((sorted[0]?.metadata as object) ?? {})).toEqual(['tags']);

    const archived = await pages(`namespace=${ns}&state=archived`, 10);
    expect(archived.every((r) => r.state === 'archived')).toBe(true);
    expect(archived).toHaveLength(4);

    const foreign = await api<ErrorBody>('GET', `/api/metadata?namespace=${ns}&page_size=2`, { as: 'user' });
    const wrong = await api<ErrorBody>(
      'GET',
      `/api/metadata?type=${types[0]}&cursor=${encodeURIComponent(String((foreign.body as unknown as Page).next_cursor))}`,
      { as: 'user' },
    );
    expect(wrong.status, wrong.text).toBe(400);
    expect(wrong.body.error.details?.issues?.[0]?.path).toBe('query.cursor');
  });
});

describe('records service: bulk, export and import', () => {
  const ns = T('bulk');
  const type = T('bulkrec');
  const operations = Array.from({ length: 1000 }, (_, i) => ({
    op: 'upsert',
    type,
    name: `r${String(i).padStart(4, '0')}`,
    namespace: ns,
    ...(i % 7 === 0 ? { state: 'draft' } : {}),
    metadata: i % 100 === 42 ? { tags: 'not-a-list' } : { tags: [`t${i}`], custom_rules: { n: i } },
  }));
  const invalid = operations.filter((_, i) => i % 100 === 42).length;

  it('without continue_on_error, one invalid record → 400 listing them and nothing written', async () => {
    const r = await api<ErrorBody>('POST', '/api/metadata/bulk', { body: { operations } });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.details?.records?.map((x) => x.index)).toEqual(
      operations.flatMap((_, i) => (i % 100 === 42 ? [i] : [])),
    );
    expect(r.body.error.details?.issues?.[0]?.path).toBe('operations[42].metadata.tags');
    expect(await pages(`type=${type}&include_archived=true`, 100)).toHaveLength(0);
  });

  it('with continue_on_error writes the 1,000 valid records and reports each one', async () => {
    const r = await api<Report>('POST', '/api/metadata/bulk', {
      body: { operations, continue_on_error: true },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.summary).toMatchObject({
      total: 1000,
      ok: 1000 - invalid,
      error: invalid,
      created: 1000 - invalid,
    });
    expect(r.body.results[42]).toMatchObject({ index: 42, type, name: 'r0042', status: 'error' });
    expect(r.body.results[0]).toMatchObject({ index: 0, status: 'ok', outcome: 'created' });
    const listed = await pages(`type=${type}`, 100);
    expect(listed).toHaveLength(1000 - invalid);
  });

  it('transactional bulk: over 100 operations → 400; otherwise all or nothing', async () => {
    const tooMany = await api<ErrorBody>('POST', '/api/metadata/bulk', {
      body: { transactional: true, operations: operations.slice(0, 101) },
    });
    expect(tooMany.status, tooMany.text).toBe(400);
    expect(tooMany.body.error.message).toMatch(/100/);
    const tx = await api<Report>('POST', '/api/metadata/bulk', {
      body: {
        transactional: true,
        operations: [
          { op: 'upsert', type, name: 'r0001', metadata: { features: ['tx'] } },
          { op: 'upsert', type, name: 'txnew', namespace: ns },
        ],
      },
    });
    expect(tx.status, tx.text).toBe(200);
    expect(tx.body.results.map((x) => x.outcome)).toEqual(['updated', 'created']);
    const none = await api<ErrorBody>('POST', '/api/metadata/bulk', {
      body: {
        transactional: true,
        operations: [
          { op: 'upsert', type, name: 'txnew2', namespace: ns },
          { op: 'upsert', type, name: 'txbad', metadata: { colour: 1 } },
        ],
      },
    });
    expect(none.status, none.text).toBe(400);
    expect((await api('GET', url(type, 'txnew2'))).status).toBe(404);
  });

  it('export → delete all → import → export gives equal records', async () => {
    const first = await exportAll(`namespace=${ns}`);
    expect(first.format).toBe('tempora.metadata/v1');
    expect(first.count).toBe(1000 - invalid + 1);

    const del = await api<Report>('POST', '/api/metadata/bulk', {
      body: { operations: first.records.map((r) => ({ op: 'delete', type: r.type, name: r.name })) },
    });
    expect(del.status, del.text).toBe(200);
    expect(del.body.summary.deleted).toBe(first.count);
    expect((await exportAll(`namespace=${ns}`)).count).toBe(0);

    // import in chunks (request bodies are limited to 256 KB)
    for (let i = 0; i < first.records.length; i += 250) {
      const chunk = first.records.slice(i, i + 250);
      const dry = await api<Report & { dry_run: boolean }>('POST', '/api/metadata/import', {
        body: { records: chunk, mode: 'merge', dry_run: i === 0 },
      });
      expect(dry.status, dry.text).toBe(200);
      if (i === 0) {
        expect(dry.body.dry_run).toBe(true);
        const again = await api<Report>('POST', '/api/metadata/import', {
          body: { records: chunk, mode: 'merge' },
        });
        expect(again.status, again.text).toBe(200);
        expect(again.body.summary.created).toBe(chunk.length);
      } else {
        expect(dry.body.summary.created).toBe(chunk.length);
      }
    }
    const second = await exportAll(`namespace=${ns}`);
    expect(second.records.map(strip)).toEqual(first.records.map(strip));
  });

  it('import validates every record first: 400 listing index, type/name and issues', async () => {
    const r = await api<ErrorBody>('POST', '/api/metadata/import', {
      body: { records: [{ type, name: 'fine', namespace: ns }, { type, name: 'Bad Name' }, { name: 'x' }] },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.details?.records?.map((x) => x.index)).toEqual([1, 2]);
    expect((await api('GET', url(type, 'fine'))).status).toBe(404);
    const partial = await api<Report>('POST', '/api/metadata/import', {
      body: {
        records: [
          { type, name: 'fine', namespace: ns },
          { type, name: 'Bad Name' },
        ],
        continue_on_error: true,
      },
    });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body.results.map((x) => x.status)).toEqual(['ok', 'error']);
  });
});

describe('records service: extends and merge', () => {
  const type = T('layout');

  it('resolves the chain base first, stops at replace, rejects cycles and missing bases', async () => {
    const base = await api<Rec>('PUT', url(type, 'base'), {
      body: { metadata: { tags: ['base'], features: ['a'], custom_rules: { x: 1, y: 1 } } },
    });
    expect(base.status, base.text).toBe(201);
    const mid = await api<Rec>('PUT', url(type, 'mid'), {
      body: { extends: 'base', metadata: { custom_rules: { y: 2 } } },
    });
    expect(mid.status, mid.text).toBe(201);
    expect(mid.body.extends).toBe(`${type}/base`);
    const leaf = await api<Rec>('PUT', url(type, 'leaf'), {
      body: { extends: `${type}/mid`, metadata: { tags: ['leaf'], custom_rules: { z: 3 } } },
    });
    expect(leaf.status, leaf.text).toBe(201);

    const eff = await api<Rec>('GET', url(type, 'leaf', '/effective'), { as: 'user' });
    expect(eff.status, eff.text).toBe(200);
    expect(eff.body.effective_metadata).toEqual({
      tags: ['leaf'],
      features: ['a'],
      custom_rules: { x: 1, y: 2, z: 3 },
    });
    expect(eff.body.resolution?.chain).toEqual([`${type}/base`, `${type}/mid`, `${type}/leaf`]);
    expect(eff.body.metadata).toEqual(leaf.body.metadata);
    const resolved = await api<Rec>('GET', `${url(type, 'leaf')}?resolve=true`, { as: 'user' });
    expect(resolved.body.effective_metadata).toEqual(eff.body.effective_metadata);

    const cycle = await api<ErrorBody>('PUT', url(type, 'base'), { body: { extends: 'leaf' } });
    expect(cycle.status, cycle.text).toBe(400);
    expect(cycle.body.error.message).toMatch(/cycle/);
    expect(cycle.body.error.details?.issues?.[0]?.path).toBe('extends');
    const missing = await api<ErrorBody>('PUT', url(type, 'orphan'), { body: { extends: 'nobody' } });
    expect(missing.status, missing.text).toBe(400);

    const bulkCycle = await api<ErrorBody>('POST', '/api/metadata/bulk', {
      body: {
        operations: [
          { op: 'upsert', type, name: 'p', extends: 'q' },
          { op: 'upsert', type, name: 'q', extends: 'p' },
        ],
      },
    });
    expect(bulkCycle.status, bulkCycle.text).toBe(400);
    expect(bulkCycle.body.error.details?.records?.map((r) => r.index)).toEqual([0, 1]);

    const replace = await api<Rec>('PUT', url(type, 'mid'), { body: { strategy: 'replace' } });
    expect(replace.status, replace.text).toBe(200);
    // within the cache TTL another warm instance may still serve the old resolution
    const stopped = await eventually(
      async () => {
        const r = await api<Rec>('GET', url(type, 'leaf', '/effective'), { as: 'user' });
        return r.body.resolution?.chain.length === 2 ? r : undefined;
      },
      10_000,
      'the new resolution',
    );
    expect(stopped.body.resolution?.chain).toEqual([`${type}/mid`, `${type}/leaf`]);
    expect(stopped.body.effective_metadata).toEqual({ tags: ['leaf'], custom_rules: { y: 2, z: 3 } });
  });
});
