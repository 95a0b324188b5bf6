import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import type { Principal } from '../../../lib/auth/tokens.ts';
import { canonicalJson } from '../../../lib/entity-metadata/index.ts';
import { toFieldIssues, validationError } from '../../../lib/errors.ts';
import { TtlCache } from '../../../lib/records/cache.ts';
import { loadRecordsConfig } from '../../../lib/records/config.ts';
import {
  bulkBodySchema,
  importBodySchema,
  type MetadataRecord,
  type OnConflict,
  parseListQuery,
  RECORDS_ROUTES,
  type RecordKey,
  recordExportQuerySchema,
  recordPutBodySchema,
} from '../../../lib/records/contract.ts';
import { recordsRoutes } from '../../../lib/records/lambda.ts';
import { RecordsService } from '../../../lib/records/service.ts';
import { WriteConflictError } from '../../../lib/records/store.ts';
import { MemoryRecordRepo } from '../../kit/records-memory-repo.ts';
import { callDeclared } from '../../kit/routes.ts';

const admin: Principal = { sub: 'dev-admin', role: 'admin' };
const service: Principal = { sub: 'dev-service', role: 'service' };
const user: Principal = { sub: 'dev-user', role: 'user' };

let ids = 0;
function setup(opts: { repo?: MemoryRecordRepo; maxConflictRetries?: number; cacheTtlMs?: number } = {}) {
  const repo = opts.repo ?? new MemoryRecordRepo();
  let clock = Date.parse('2025-03-01T00:00:00Z');
  const svc = new RecordsService(repo, {
    now: () => {
      clock += 1000;
      return new Date(clock);
    },
    newId: () => `01J${String(++ids).padStart(23, '0')}`,
    sleep: async () => {},
    ...(opts.maxConflictRetries === undefined ? {} : { maxConflictRetries: opts.maxConflictRetries }),
    ...(opts.cacheTtlMs === undefined ? {} : { cacheTtlMs: opts.cacheTtlMs }),
  });
  return { repo, svc: throughDeclarations(svc), raw: svc };
}

/** The input as the kit hands it to the service: parsed by the route's declared schema (400 naming the field). */
function declared<T>(schema: z.ZodMiniType, value: unknown, prefix = ''): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(toFieldIssues(r.error.issues, prefix));
  return r.data as T;
}

/**
 * The service as its routes call it: bodies and query strings parsed with RECORDS_ROUTES'
 * declared schemas first (so these tests cover the declarations and the service together).
 */
type Declared = Omit<RecordsService, 'save' | 'bulk' | 'importRecords' | 'exportRecords'> & {
  save(
    key: RecordKey,
    body: unknown,
    opts: { onConflict?: OnConflict; ifMatch?: number },
    actor: Principal,
  ): ReturnType<RecordsService['save']>;
  bulk(body: unknown, actor: Principal): ReturnType<RecordsService['bulk']>;
  importRecords(body: unknown, actor: Principal): ReturnType<RecordsService['importRecords']>;
  exportRecords(query?: Record<string, string>): ReturnType<RecordsService['exportRecords']>;
};
function throughDeclarations(svc: RecordsService): Declared {
  const through = Object.create(svc) as RecordsService;
  return Object.assign(through, {
    save: async (
      key: RecordKey,
      body: unknown,
      opts: { onConflict?: OnConflict; ifMatch?: number },
      actor: Principal,
    ) => svc.save(key, declared(recordPutBodySchema, body), opts, actor),
    bulk: async (body: unknown, actor: Principal) => svc.bulk(declared(bulkBodySchema, body), actor),
    importRecords: async (body: unknown, actor: Principal) =>
      svc.importRecords(declared(importBodySchema, body), actor),
    exportRecords: async (query: Record<string, string> = {}) =>
      svc.exportRecords(declared(recordExportQuerySchema, query, 'query')),
  }) as unknown as Declared;
}

async function rejection(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; message: string; details: Details }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a rejection');
}

/** Error details as the tests read them (loosely typed on purpose). */
// biome-ignore lint/suspicious/noExplicitAny: test helper reading arbitrary error details
type Details = any;

const key = (name: string, type = 'object') => ({ type, name });

describe('save (PUT) and on_conflict', () => {
  it('creates with defaults (201), then update deep-merges metadata and overwrites given fields', async () => {
    const { svc } = setup();
    const c = await svc.save(
      key('account'),
      { metadata: { tags: ['a', 'b'], custom_rules: { max: 10, tier: 'gold' } } },
      {},
      admin,
    );
    expect(c.status).toBe(201);
    expect(c.outcome).toBe('created');
    expect(c.record).toMatchObject({
      type: 'object',
      name: 'account',
      namespace: 'default',
      scope: 'platform',
      strategy: 'merge',
      validation: 'strict',
      owner: 'dev-admin',
      state: 'active',
      version: 1,
      created_by: 'dev-admin',
      updated_by: 'dev-admin',
    });
    expect(c.record.id).toMatch(/^01J/);
    const u = await svc.save(
      key('account'),
      { namespace: 'crm', metadata: { tags: ['c'], custom_rules: { tier: 'platinum' } } },
      {},
      service,
    );
    expect(u.status).toBe(200);
    expect(u.outcome).toBe('updated');
    expect(u.record).toMatchObject({
      id: c.record.id,
      namespace: 'crm',
      scope: 'platform',
      version: 2,
      created_by: 'dev-admin',
      updated_by: 'dev-service',
      metadata: { tags: ['c'], custom_rules: { max: 10, tier: 'platinum' } },
    });
    expect(u.record.updated_at > c.record.updated_at).toBe(true);
  });

  it('replace rebuilds the record from the body (keeping id and creation), error → 409, skip → unchanged', async () => {
    const { svc, repo } = setup();
    const c = await svc.save(
      key('a'),
      { namespace: 'crm', metadata: { tags: ['x'] }, state: 'draft' },
      {},
      admin,
    );
    const r = await svc.save(key('a'), { metadata: { features: ['f'] } }, { onConflict: 'replace' }, service);
    expect(r.outcome).toBe('replaced');
    expect(r.record).toMatchObject({
      id: c.record.id,
      namespace: 'default',
      state: 'active',
      owner: 'dev-service',
      metadata: { features: ['f'] },
      version: 2,
      created_at: c.record.created_at,
    });
    const err = await rejection(svc.save(key('a'), { on_conflict: 'error' }, {}, admin));
    expect(err).toMatchObject({ status: 409, code: 'conflict', details: { current_version: 2 } });
    const s = await svc.save(key('a'), { metadata: { tags: ['ignored'] } }, { onConflict: 'skip' }, admin);
    expect(s).toMatchObject({
      status: 200,
      outcome: 'skipped',
      record: { version: 2, metadata: { features: ['f'] } },
    });
    expect(repo.records.get('object/a')?.version).toBe(2);
    // skip / error on a missing record create it
    expect((await svc.save(key('b'), {}, { onConflict: 'error' }, admin)).status).toBe(201);
    expect((await svc.save(key('c'), {}, { onConflict: 'skip' }, admin)).status).toBe(201);
  });

  it('validates the body: field names, formats, strict metadata; lenient keeps unknown keys', async () => {
    const { svc } = setup();
    const e = await rejection(
      svc.save(
        key('a'),
        {
          namespace: 'Bad NS',
          scope: 7,
          state: 'gone',
          extends: 'a/b/c',
          metadata: { colour: 'red' },
          version: 3,
        },
        {},
        admin,
      ),
    );
    expect(e.status).toBe(400);
    expect(e.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(
      ['extends', 'metadata.colour', 'namespace', 'scope', 'state', 'version'].sort(),
    );
    expect(e.details.issues.find((i: { path: string }) => i.path === 'version').message).toMatch(/read-only/);
    const m = await rejection(svc.save(key('a'), { metadata: { colour: 'red', tags: 'x' } }, {}, admin));
    expect(m.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'metadata.colour',
      'metadata.tags',
    ]);
    const lenient = await svc.save(
      key('a'),
      { validation: 'lenient', metadata: { colour: 'red' } },
      {},
      admin,
    );
    expect(lenient.record.metadata).toEqual({ colour: 'red' });
    // switching the record to strict revalidates its stored metadata
    const strict = await rejection(svc.save(key('a'), { validation: 'strict' }, {}, admin));
    expect(strict.details.issues[0].path).toBe('metadata.colour');
    const mismatch = await rejection(
      svc.save(key('a'), { type: 'view', on_conflict: 'skip' }, { onConflict: 'error' }, admin),
    );
    expect(mismatch.details.issues.map((i: { path: string }) => i.path)).toEqual(['type', 'on_conflict']);
    expect((await rejection(svc.save(key('a'), [], {}, admin))).status).toBe(400);
  });

  it('If-Match: stale version or missing record → 409 at once', async () => {
    const { svc } = setup();
    await svc.save(key('a'), {}, {}, admin);
    expect((await svc.save(key('a'), { scope: 'system' }, { ifMatch: 1 }, admin)).record.version).toBe(2);
    const stale = await rejection(svc.save(key('a'), { scope: 'x' }, { ifMatch: 1 }, admin));
    expect(stale).toMatchObject({ status: 409, details: { expected_version: 1, current_version: 2 } });
    const missing = await rejection(svc.save(key('zz'), {}, { ifMatch: 1 }, admin));
    expect(missing).toMatchObject({ status: 409, details: { current_version: null } });
  });
});

/** A repo whose conditional writes fail `n` times, as if another writer got there first. */
class RacyRepo extends MemoryRecordRepo {
  constructor(public failures: number) {
    super();
  }
  override async put(record: MetadataRecord, expectedVersion: number | null): Promise<void> {
    if (this.failures-- > 0) {
      this.count2('conflicts');
      throw new WriteConflictError('raced');
    }
    return super.put(record, expectedVersion);
  }
  count2(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }
}

describe('optimistic locking: conflict retry', () => {
  it('re-reads and retries a conflicting write without If-Match', async () => {
    const repo = new RacyRepo(2);
    const { svc } = setup({ repo, maxConflictRetries: 3 });
    const r = await svc.save(key('a'), { metadata: { tags: ['x'] } }, {}, admin);
    expect(r.status).toBe(201);
    expect(repo.calls.conflicts).toBe(2);
    expect(repo.calls.get).toBe(3); // one read per attempt
  });

  it('gives up with 409 after the configured retries', async () => {
    const repo = new RacyRepo(100);
    const { svc } = setup({ repo, maxConflictRetries: 2 });
    const e = await rejection(svc.save(key('a'), {}, {}, admin));
    expect(e).toMatchObject({ status: 409, details: { attempts: 3 } });
    expect(repo.calls.conflicts).toBe(3);
  });

  it('does not retry when If-Match was given', async () => {
    const repo = new RacyRepo(0);
    const { svc } = setup({ repo });
    await svc.save(key('a'), {}, {}, admin);
    repo.failures = 1;
    const e = await rejection(svc.save(key('a'), {}, { ifMatch: 1 }, admin));
    expect(e.status).toBe(409);
    expect(repo.calls.conflicts).toBe(1);
  });
});

describe('extends and effective metadata', () => {
  it('resolves the chain (base first) and rejects cycles and missing bases at write time', async () => {
    const { svc } = setup();
    await svc.save(key('base'), { metadata: { tags: ['base'], custom_rules: { a: 1, b: 1 } } }, {}, admin);
    await svc.save(key('mid'), { extends: 'base', metadata: { custom_rules: { b: 2 } } }, {}, admin);
    const leaf = await svc.save(
      key('leaf'),
      { extends: 'object/mid', metadata: { features: ['f'] } },
      {},
      admin,
    );
    expect(leaf.record.extends).toBe('object/mid');
    const v = await svc.effective(key('leaf'));
    expect(v.effective_metadata).toEqual({ tags: ['base'], custom_rules: { a: 1, b: 2 }, features: ['f'] });
    expect(v.resolution).toEqual({ chain: ['object/base', 'object/mid', 'object/leaf'], warnings: [] });

    const cycle = await rejection(svc.save(key('base'), { extends: 'leaf' }, {}, admin));
    expect(cycle.status).toBe(400);
    expect(cycle.details.issues[0]).toEqual({
      path: 'extends',
      message: 'would create a cycle: object/base → object/leaf → object/mid → object/base',
    });
    const missing = await rejection(svc.save(key('x'), { extends: 'view/nothing' }, {}, admin));
    expect(missing.details.issues[0].message).toBe('refers to view/nothing, which does not exist');

    // replace stops the chain; extends: null removes the base
    await svc.save(key('mid'), { strategy: 'replace' }, {}, admin);
    expect((await svc.effective(key('leaf'))).resolution.chain).toEqual(['object/mid', 'object/leaf']);
    const cleared = await svc.save(key('leaf'), { extends: null }, {}, admin);
    expect(cleared.record).not.toHaveProperty('extends');
  });

  it('serves reads from the cache once checked (full reads: leaf once, base once) and drops it on every write', async () => {
    const { svc, repo } = setup();
    await svc.save(key('base'), { metadata: { tags: ['v1'] } }, {}, admin);
    await svc.save(key('leaf'), { extends: 'base' }, {}, admin);
    const before = repo.calls.get ?? 0;
    await svc.get(key('leaf'));
    await svc.get(key('leaf'));
    await svc.effective(key('leaf'));
    await svc.effective(key('leaf'));
    expect((repo.calls.get ?? 0) - before).toBe(2); // leaf once, base once
    await svc.save(key('base'), { metadata: { tags: ['v2'] } }, {}, admin);
    expect((await svc.effective(key('leaf'))).effective_metadata.tags).toEqual(['v2']);
  });

  it('the TTL cache expires entries, evicts the oldest and can be disabled', () => {
    let now = 0;
    const c = new TtlCache<number>(100, 2, () => now);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe(2);
    now = 100;
    expect(c.get('b')).toBeUndefined();
    const off = new TtlCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});

describe('delete', () => {
  it('404 when absent, 409 on a stale If-Match, else deleted', async () => {
    const { svc, repo } = setup();
    expect((await rejection(svc.remove(key('a'), undefined))).status).toBe(404);
    await svc.save(key('a'), {}, {}, admin);
    expect((await rejection(svc.remove(key('a'), 7))).status).toBe(409);
    await svc.remove(key('a'), 1);
    expect(repo.records.size).toBe(0);
  });
});

const upserts = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({
    op: 'upsert',
    type: 'object',
    name: `r${String(i).padStart(4, '0')}`,
    namespace: 'bulk',
    metadata: { tags: [`t${i}`] },
    ...extra(i),
  }));

describe('bulk', () => {
  it('enforces the operation limits (1000 per request, 100 when transactional)', async () => {
    const { svc } = setup();
    const many = await rejection(svc.bulk({ operations: upserts(1001) }, admin));
    expect(many).toMatchObject({ status: 400, message: expect.stringMatching(/at most 1000 operations/) });
    const tx = await rejection(svc.bulk({ operations: upserts(101), transactional: true }, admin));
    expect(tx).toMatchObject({ status: 400, message: expect.stringMatching(/100-action limit/) });
    const both = await rejection(
      svc.bulk({ operations: upserts(2), transactional: true, continue_on_error: true }, admin),
    );
    expect(both.details.issues[0].path).toBe('continue_on_error');
    expect((await rejection(svc.bulk({ operations: [] }, admin))).status).toBe(400);
  });

  it('writes 1000 records in BatchWriteItem chunks; invalid ones reported with continue_on_error', async () => {
    const { svc, repo } = setup();
    const ops = upserts(1000, (i) => (i % 250 === 3 ? { metadata: { colour: 'x' } } : {}));
    const bad = await rejection(svc.bulk({ operations: ops }, admin));
    expect(bad.status).toBe(400);
    expect(bad.message).toBe('4 of 1000 operations are invalid; nothing was written');
    expect(bad.details.records.map((r: { index: number }) => r.index)).toEqual([3, 253, 503, 753]);
    expect(bad.details.issues[0]).toEqual({
      path: 'operations[3].metadata.colour',
      message: expect.any(String),
    });
    expect(repo.records.size).toBe(0);

    const r = await svc.bulk({ operations: ops, continue_on_error: true }, admin);
    expect(r.summary).toMatchObject({ total: 1000, ok: 996, error: 4, created: 996 });
    expect(r.results[3]).toMatchObject({ index: 3, type: 'object', name: 'r0003', status: 'error' });
    expect(r.results[4]).toEqual({
      index: 4,
      type: 'object',
      name: 'r0004',
      status: 'ok',
      outcome: 'created',
      version: 1,
    });
    expect(repo.records.size).toBe(996);
    expect(repo.calls.put).toBeUndefined(); // batch writes only

    // upsert again: update (merge) with version = read version + 1; deletes
    const again = await svc.bulk(
      {
        operations: [
          { op: 'upsert', type: 'object', name: 'r0000', metadata: { features: ['f'] } },
          { op: 'delete', type: 'object', name: 'r0001' },
          { op: 'delete', type: 'object', name: 'nope' },
        ],
      },
      admin,
    );
    expect(again.results.map((x) => x.outcome)).toEqual(['updated', 'deleted', 'not_found']);
    expect(repo.records.get('object/r0000')).toMatchObject({
      version: 2,
      metadata: { tags: ['t0'], features: ['f'] },
    });
  });

  it('reports shape errors, duplicates and extra fields on deletes per operation', async () => {
    const { svc } = setup();
    const r = await svc.bulk(
      {
        continue_on_error: true,
        operations: [
          { op: 'upsert', type: 'object', name: 'a' },
          { op: 'upsert', type: 'object', name: 'a' },
          { op: 'merge', type: 'Object', name: 'b' },
          { op: 'delete', type: 'object', name: 'c', metadata: {} },
          'nope',
        ],
      },
      admin,
    );
    expect(r.results.map((x) => x.status)).toEqual(['ok', 'error', 'error', 'error', 'error']);
    expect(r.results[1]?.error?.message).toMatch(/also in operations\[0\]/);
    expect(r.results[2]?.error?.issues?.map((i) => i.path).sort()).toEqual(['op', 'type']);
    expect(r.results[3]?.error?.issues?.[0]?.path).toBe('metadata');
    expect(r.results[4]).toMatchObject({ type: null, name: null, status: 'error' });
  });

  it('checks extends against existing + incoming records (cycles, missing, deleted bases)', async () => {
    const { svc, repo } = setup();
    await svc.save(key('stored'), {}, {}, admin);
    await svc.save(key('old'), { extends: 'stored' }, {}, admin);
    const r = await svc.bulk(
      {
        continue_on_error: true,
        operations: [
          { op: 'upsert', type: 'object', name: 'child', extends: 'parent' }, // base comes later in the request
          { op: 'upsert', type: 'object', name: 'parent', extends: 'stored' },
          { op: 'upsert', type: 'object', name: 'x', extends: 'y' },
          { op: 'upsert', type: 'object', name: 'y', extends: 'x' }, // cycle x ↔ y
          { op: 'upsert', type: 'object', name: 'z', extends: 'bad_base' }, // missing
          { op: 'upsert', type: 'object', name: 'w', extends: 'z' }, // its base fails → fails too
          { op: 'delete', type: 'object', name: 'old' },
          { op: 'upsert', type: 'object', name: 'v', extends: 'old' }, // base deleted by this request
          { op: 'upsert', type: 'object', name: 'stored', extends: 'old' }, // old is deleted here too
        ],
      },
      admin,
    );
    expect(r.results.map((x) => x.status)).toEqual([
      'ok',
      'ok',
      'error',
      'error',
      'error',
      'error',
      'ok',
      'error',
      'error',
    ]);
    expect(r.results[2]?.error?.message).toMatch(/cycle: object\/x → object\/y → object\/x/);
    expect(r.results[7]?.error?.message).toMatch(/refers to object\/old, which does not exist/);
    expect(repo.records.get('object/child')?.extends).toBe('object/parent');
    expect(repo.records.has('object/old')).toBe(false);

    // a cycle closed through stored records: stored → child → parent → stored
    const c = await svc.bulk(
      {
        continue_on_error: true,
        operations: [{ op: 'upsert', type: 'object', name: 'stored', extends: 'child' }],
      },
      admin,
    );
    expect(c.results[0]?.error?.message).toBe(
      'extends: would create a cycle: object/stored → object/child → object/parent → object/stored',
    );
  });

  it('transactional: all or nothing with version conditions, retried on a conflict', async () => {
    const { svc, repo } = setup();
    await svc.save(key('a'), {}, {}, admin);
    const r = await svc.bulk(
      {
        transactional: true,
        operations: [
          { op: 'upsert', type: 'object', name: 'a', metadata: { tags: ['t'] } },
          { op: 'upsert', type: 'object', name: 'b' },
          { op: 'delete', type: 'object', name: 'nothing' },
        ],
      },
      admin,
    );
    expect(r.transactional).toBe(true);
    expect(r.results.map((x) => x.outcome)).toEqual(['updated', 'created', 'not_found']);
    expect(repo.calls.transactWrite).toBe(1);
    const bad = await rejection(
      svc.bulk(
        {
          transactional: true,
          operations: [
            { op: 'upsert', type: 'object', name: 'c' },
            { op: 'upsert', type: 'object', name: 'd', metadata: { colour: 1 } },
          ],
        },
        admin,
      ),
    );
    expect(bad.status).toBe(400);
    expect(repo.records.has('object/c')).toBe(false);

    let conflicts = 1;
    const original = repo.transactWrite.bind(repo);
    repo.transactWrite = async (actions) => {
      if (conflicts-- > 0) throw new WriteConflictError('raced', [0]);
      return original(actions);
    };
    const retried = await svc.bulk(
      { transactional: true, operations: [{ op: 'upsert', type: 'object', name: 'e' }] },
      admin,
    );
    expect(retried.summary.ok).toBe(1);
    conflicts = 100;
    const gaveUp = await rejection(
      svc.bulk({ transactional: true, operations: [{ op: 'upsert', type: 'object', name: 'f' }] }, admin),
    );
    expect(gaveUp).toMatchObject({
      status: 409,
      details: { records: [{ index: 0, type: 'object', name: 'f' }] },
    });
  });

  it('on_conflict=error in bulk without continue_on_error → 409 listing the records', async () => {
    const { svc } = setup();
    await svc.save(key('a'), {}, {}, admin);
    const e = await rejection(
      svc.bulk({ on_conflict: 'error', operations: [{ op: 'upsert', type: 'object', name: 'a' }] }, admin),
    );
    expect(e).toMatchObject({ status: 409, details: { records: [{ index: 0, name: 'a' }] } });
  });
});

describe('export and import', () => {
  it('validates every record first: 400 listing index, type/name and issues; nothing written', async () => {
    const { svc, repo } = setup();
    const e = await rejection(
      svc.importRecords(
        {
          records: [
            { type: 'object', name: 'ok' },
            { type: 'object', name: 'Bad' },
            { type: 'object', name: 'm', metadata: { tags: 'x' } },
          ],
        },
        admin,
      ),
    );
    expect(e.status).toBe(400);
    expect(e.details.records).toEqual([
      expect.objectContaining({
        index: 1,
        type: 'object',
        name: 'Bad',
        error: expect.objectContaining({ issues: [expect.objectContaining({ path: 'name' })] }),
      }),
      expect.objectContaining({
        index: 2,
        type: 'object',
        name: 'm',
        error: expect.objectContaining({ issues: [expect.objectContaining({ path: 'metadata.tags' })] }),
      }),
    ]);
    expect(e.details.issues.map((i: { path: string }) => i.path)).toEqual([
      'records[1].name',
      'records[2].metadata.tags',
    ]);
    expect(repo.records.size).toBe(0);
    const partial = await svc.importRecords(
      {
        records: [
          { type: 'object', name: 'ok' },
          { type: 'object', name: 'Bad' },
        ],
        continue_on_error: true,
      },
      admin,
    );
    expect(partial.summary).toMatchObject({ ok: 1, error: 1, created: 1 });
  });

  it('dry_run reports without writing; modes merge / replace / skip', async () => {
    const { svc, repo } = setup();
    await svc.save(key('a'), { scope: 'system', metadata: { tags: ['x'], features: ['f'] } }, {}, admin);
    const records = [
      { type: 'object', name: 'a', metadata: { tags: ['y'] } },
      { type: 'object', name: 'b' },
    ];
    const dry = await svc.importRecords({ records, dry_run: true }, admin);
    expect(dry).toMatchObject({ dry_run: true, mode: 'merge', summary: { updated: 1, created: 1 } });
    expect(repo.records.size).toBe(1);
    await svc.importRecords({ records, mode: 'skip' }, admin);
    expect(repo.records.get('object/a')?.metadata).toEqual({ tags: ['x'], features: ['f'] });
    await svc.importRecords({ records, mode: 'merge' }, admin);
    expect(repo.records.get('object/a')).toMatchObject({
      scope: 'system',
      metadata: { tags: ['y'], features: ['f'] },
    });
    await svc.importRecords({ records, mode: 'replace' }, admin);
    expect(repo.records.get('object/a')).toMatchObject({ scope: 'platform', metadata: { tags: ['y'] } });
  });

  it('round trip: export → delete all → import → export gives equal records', async () => {
    const { svc, repo } = setup();
    repo.pageItems = 7;
    await svc.bulk(
      { operations: upserts(40, (i) => ({ state: i % 3 ? 'active' : 'archived', scope: `s${i % 2}` })) },
      admin,
    );
    await svc.save(
      key('base', 'view'),
      { validation: 'lenient', metadata: { extra: 1 }, owner: 'team-x' },
      {},
      admin,
    );
    await svc.save(key('child', 'view'), { extends: 'base', strategy: 'replace', state: 'draft' }, {}, admin);
    const first = await svc.exportRecords({});
    expect(first).toMatchObject({ format: 'tempora.metadata/v1', count: 42, next_cursor: null });
    await svc.bulk(
      { operations: first.records.map((r) => ({ op: 'delete', type: r.type, name: r.name })) },
      admin,
    );
    expect(repo.records.size).toBe(0);
    const imported = await svc.importRecords({ records: first.records }, service);
    expect(imported.summary).toMatchObject({ ok: 42, created: 42 });
    const second = await svc.exportRecords({});
    const strip = ({
      id,
      version,
      created_at,
      created_by,
      updated_at,
      updated_by,
      ...rest
    }: MetadataRecord) => rest;
    expect(canonicalJson(second.records.map(strip))).toBe(canonicalJson(first.records.map(strip)));
    expect((await svc.exportRecords({ type: 'view' })).count).toBe(2);
    expect((await svc.exportRecords({ namespace: 'bulk' })).count).toBe(40);
    expect((await rejection(svc.exportRecords({ type: 'A B' }))).status).toBe(400);
  });
});

describe('query through the service', () => {
  it('hides archived records unless asked, selects fields and pages with next_cursor', async () => {
    const { svc } = setup();
    await svc.bulk({ operations: upserts(30, (i) => ({ state: i < 10 ? 'archived' : 'active' })) }, admin);
    const page = await svc.query(
      parseListQuery({ namespace: 'bulk', page_size: '15', fields: 'name,metadata.tags' }),
    );
    expect(page.items).toHaveLength(15);
    expect(page.items[0]).toEqual({ type: 'object', name: 'r0010', metadata: { tags: ['t10'] } });
    const rest = await svc.query(
      parseListQuery({
        namespace: 'bulk',
        page_size: '15',
        fields: 'name,metadata.tags',
        cursor: page.next_cursor ?? '',
      }),
    );
    expect(rest.items).toHaveLength(5);
    expect(rest.next_cursor).toBeNull();
    const all = await svc.query(
      parseListQuery({ type: 'object', include_archived: 'true', sort: '-name', page_size: '100' }),
    );
    expect(all.items).toHaveLength(30);
    expect(all.items[0]?.name).toBe('r0029');
  });
});

function request(
  principal: Principal,
  params: Record<string, string> = {},
  extra: Partial<{ body: unknown; query: Record<string, string>; headers: Record<string, string> }> = {},
) {
  return {
    event: {} as APIGatewayProxyEventV2,
    principal,
    correlationId: 'test-correlation',
    body: extra.body,
    params,
    query: extra.query ?? {},
    headers: extra.headers ?? {},
  };
}

describe('routes', () => {
  const { raw: svc } = setup();
  const routes = recordsRoutes(svc, () => {
    throw new Error('migrations are tested in records.migration.test.ts');
  });
  const call = (k: string, req: ReturnType<typeof request>) => {
    return callDeclared(RECORDS_ROUTES, routes, k, req);
  };

  it('serves exactly RECORDS_ROUTES', () => {
    expect(Object.keys(routes).sort()).toEqual(RECORDS_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('reads for every role; writes and export for admin and service only (403 with details.rule)', async () => {
    const put = await call(
      'PUT /api/metadata/{type}/{name}',
      request(admin, key('a'), { body: { metadata: {} } }),
    );
    expect(put.statusCode).toBe(201);
    expect(put.headers).toMatchObject({ etag: '"1"', 'x-tempora-outcome': 'created' });
    const upd = await call(
      'PUT /api/metadata/{type}/{name}',
      request(service, key('a'), { body: {}, query: { on_conflict: 'skip' } }),
    );
    expect(upd.statusCode).toBe(200);
    expect(upd.headers?.['x-tempora-outcome']).toBe('skipped');
    expect((await call('GET /api/metadata/{type}/{name}', request(user, key('a')))).statusCode).toBe(200);
    expect((await call('GET /api/metadata', request(user))).statusCode).toBe(200);
    for (const [k, rule] of [
      ['PUT /api/metadata/{type}/{name}', 'metadata.write'],
      ['DELETE /api/metadata/{type}/{name}', 'metadata.write'],
      ['POST /api/metadata/bulk', 'metadata.write'],
      ['POST /api/metadata/import', 'metadata.write'],
      ['GET /api/metadata/export', 'metadata.export'],
    ] as const) {
      const e = await rejection(call(k, request(user, key('a'), { body: {} })));
      expect(e).toMatchObject({ status: 403, details: { rule, allowed_roles: ['admin', 'service'] } });
    }
    expect((await call('GET /api/metadata/export', request(service))).statusCode).toBe(200);
  });

  it('validates path and query parameters (400 naming them); resolve=true adds effective metadata', async () => {
    const e = await rejection(
      call('GET /api/metadata/{type}/{name}', request(user, { type: 'A', name: 'b c' })),
    );
    expect(e.details.issues.map((i: { path: string }) => i.path)).toEqual(['path.type', 'path.name']);
    const q = await rejection(
      call('GET /api/metadata/{type}/{name}', request(user, key('a'), { query: { resolve: 'yes' } })),
    );
    expect(q.details.issues[0].path).toBe('query.resolve');
    const ifm = await rejection(
      call(
        'PUT /api/metadata/{type}/{name}',
        request(admin, key('a'), { body: {}, headers: { 'if-match': 'abc' } }),
      ),
    );
    expect(ifm.details.issues[0].path).toBe('headers.if-match');
    const r = await call(
      'GET /api/metadata/{type}/{name}',
      request(user, key('a'), { query: { resolve: 'true' } }),
    );
    expect(JSON.parse(r.body ?? '{}')).toMatchObject({
      name: 'a',
      effective_metadata: {},
      resolution: { chain: ['object/a'] },
    });
    const eff = await call('GET /api/metadata/{type}/{name}/effective', request(user, key('a')));
    expect(JSON.parse(eff.body ?? '{}')).toHaveProperty('effective_metadata');
    expect((await call('DELETE /api/metadata/{type}/{name}', request(admin, key('a')))).statusCode).toBe(204);
    expect(
      (await rejection(call('GET /api/metadata/{type}/{name}/effective', request(user, key('a'))))).status,
    ).toBe(404);
  });
});

describe('config', () => {
  it('requires RECORDS_TABLE and validates the numeric settings', () => {
    const required = { RECORDS_TABLE: 't', MIGRATIONS_TABLE: 'm', OUTBOX_TABLE: 'o', TEMPORA_ENV: 'test' };
    const tables = { table: 't', migrationsTable: 'm', outboxTable: 'o', environment: 'test' };
    expect(() => loadRecordsConfig({})).toThrow(/RECORDS_TABLE/);
    expect(() => loadRecordsConfig({ RECORDS_TABLE: 't' })).toThrow(/MIGRATIONS_TABLE/);
    expect(loadRecordsConfig(required)).toEqual({
      ...tables,
      cacheTtlMs: 5000,
      maxConflictRetries: 3,
    });
    expect(
      loadRecordsConfig({
        ...required,
        RECORDS_CACHE_TTL_MS: '0',
        RECORDS_CONFLICT_RETRIES: '5',
      }),
    ).toEqual({
      ...tables,
      cacheTtlMs: 0,
      maxConflictRetries: 5,
    });
    expect(() => loadRecordsConfig({ ...required, RECORDS_CACHE_TTL_MS: 'soon' })).toThrow(
      /RECORDS_CACHE_TTL_MS/,
    );
  });
});
