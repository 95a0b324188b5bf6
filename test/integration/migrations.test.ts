/**
 * Migrations of records (issue 15) on the deployed stack: bad input (4xx, nothing written),
 * a dry run, an apply and a rollback over 500 records giving back records equal to the
 * originals, 409 on a reused id, concurrent edits during a run never lost, a rollback that
 * reports records changed since, the events in the audit trail, and a rollback whose run died
 * mid-way resumed by the next look at it.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type MetadataRecord, RECORD_FIELDS, SERVER_FIELDS } from '../../lib/records/contract.ts';
import { RUN_LIMIT_MS } from '../../lib/records/migration-context.ts';
import { toItem } from '../../lib/records/records.ts';
import { api, dynamo, eventually, table } from './support/client.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const TYPE = `mig-${run}`;
const EDITED = `mig-edit-${run}`;
const RESUMED = `mig-resume-${run}`;

interface Rec {
  type: string;
  name: string;
  version: number;
  metadata: { tags?: string[]; custom_rules?: Record<string, unknown> };
  [k: string]: unknown;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } };
}
interface Migration {
  id: string;
  status: string;
  counts: Record<string, number>;
  reported: Array<{ type: string; name: string; reason: string }>;
  backup: { table: string };
  rollback?: { restored: number; conflicts: number; reported: Array<{ name: string; reason: string }> };
}
interface DryRun {
  matched: number;
  would_change: number;
  would_fail: number;
  preview: Array<{ name: string; changes: Array<{ path: string; before?: unknown; after?: unknown }> }>;
}

/** What a client wrote of a record: every field but those the server owns (ids, versions, stamps). */
const CONTENT: readonly string[] = RECORD_FIELDS.filter(
  (f) => !(SERVER_FIELDS as readonly string[]).includes(f),
);
const content = (r: Rec) =>
  Object.fromEntries(CONTENT.filter((f) => r[f] !== undefined).map((f) => [f, r[f]]));

async function seed(type: string, n: number): Promise<void> {
  const operations = Array.from({ length: n }, (_, i) => ({
    op: 'upsert',
    type,
    name: `r${String(i).padStart(4, '0')}`,
    namespace: 'crm',
    metadata: { tags: ['old'], custom_rules: { old_name: `value ${i}`, keep: i } },
  }));
  const res = await api('POST', '/api/metadata/bulk', { body: { operations } });
  expect(res.status, res.text).toBe(200);
}

async function exported(type: string): Promise<Rec[]> {
  const res = await api<{ records: Rec[]; next_cursor: string | null }>(
    'GET',
    `/api/metadata/export?type=${type}`,
  );
  expect(res.status, res.text).toBe(200);
  expect(res.body.next_cursor).toBeNull();
  return res.body.records;
}

const OPERATIONS = [
  { op: 'rename', path: 'metadata.custom_rules.old_name', to: 'metadata.custom_rules.new_name' },
  { op: 'set', path: 'metadata.tags', value: ['migrated'] },
  { op: 'merge', path: 'metadata.custom_rules', value: { schema: 2 } },
];

const migrate = (body: Record<string, unknown>) =>
  api<Migration & DryRun & ErrorBody>('POST', '/api/metadata/migrations', { body });
const status = (id: string) => api<Migration>('GET', `/api/metadata/migrations/${id}`);
const until = (id: string, wanted: string) =>
  eventually(
    async () => {
      const s = await status(id);
      if (s.body.status === 'failed') throw new Error(`migration ${id} failed: ${s.text}`);
      return s.body.status === wanted ? s.body : undefined;
    },
    60_000,
    `migration ${id} to be ${wanted}`,
  );

describe('migrations of records', () => {
  it('refuses bad input with a 4xx naming the problem, writing nothing', async () => {
    await seed(`${TYPE}-bad`, 3);
    const id = `bad-${run}`;
    const paths = async (body: Record<string, unknown>) => {
      const r = await migrate({ id, filter: { type: `${TYPE}-bad` }, operations: OPERATIONS, ...body });
      expect(r.status, r.text).toBe(400);
      return r.body.error.details?.issues?.map((i) => i.path);
    };
    expect(await paths({ filter: { type: `nothing-${run}` } })).toEqual(['filter.type']);
    expect(await paths({ operations: [{ op: 'set', path: 'tags', value: 1 }] })).toEqual([
      'operations[0].path',
    ]);
    expect(await paths({ operations: [{ op: 'drop', path: 'metadata.tags' }] })).toEqual([
      'operations[0].op',
    ]);
    expect(await paths({ operations: [{ op: 'rename', path: 'metadata.a' }] })).toEqual(['operations[0].to']);
    // A set whose value fails the record schema: every record named, nothing written.
    const invalid = await paths({ operations: [{ op: 'set', path: 'metadata.tags', value: 'not-a-list' }] });
    expect(invalid).toHaveLength(3);
    expect(invalid?.[0]).toMatch(new RegExp(`^records\\[${TYPE}-bad/r0000\\]\\.metadata\\.tags`));
    expect((await status(id)).status).toBe(404);
    const rollback = await api<ErrorBody>('POST', `/api/metadata/migrations/never-${run}/rollback`, {
      body: {},
    });
    expect(rollback.status).toBe(404);
    expect(rollback.body.error.message).toContain('never ran');
    const forbidden = await api('POST', '/api/metadata/migrations', { as: 'service', body: { id } });
    expect(forbidden.status).toBe(403);
    for (const r of await exported(`${TYPE}-bad`)) expect(r.version).toBe(1);
  });

  it('dry-runs, applies and rolls back 500 records back to the originals', { timeout: 180_000 }, async () => {
    await seed(TYPE, 500);
    const before = await exported(TYPE);
    expect(before).toHaveLength(500);
    const id = `rename-${run}`;

    const dry = await migrate({
      id,
      filter: { type: TYPE, namespace: 'crm' },
      operations: OPERATIONS,
      dry_run: true,
    });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ matched: 500, would_change: 500, would_fail: 0 });
    expect(dry.body.preview).toHaveLength(10);
    expect(dry.body.preview[0]?.changes).toEqual([
      {
        path: 'metadata.custom_rules',
        before: { old_name: 'value 0', keep: 0 },
        after: { keep: 0, new_name: 'value 0', schema: 2 },
      },
      { path: 'metadata.custom_rules.new_name', after: 'value 0' },
      { path: 'metadata.custom_rules.old_name', before: 'value 0' },
      { path: 'metadata.tags', before: ['old'], after: ['migrated'] },
    ]);
    expect((await exported(TYPE)).every((r) => r.version === 1)).toBe(true); // nothing written

    const started = await migrate({ id, filter: { type: TYPE, namespace: 'crm' }, operations: OPERATIONS });
    expect(started.status, started.text).toBe(202);
    expect(started.body.status).toBe('running');
    expect((await migrate({ id, filter: { type: TYPE }, operations: OPERATIONS })).status).toBe(409);
    const done = await until(id, 'completed');
    expect(done.counts).toMatchObject({ matched: 500, changed: 500, conflicts: 0, failed: 0 });
    expect(done.backup.table).toMatch(/_metadata_migrations$/);
    const after = await exported(TYPE);
    for (const r of after) {
      expect(r.metadata.tags).toEqual(['migrated']);
      expect(r.metadata.custom_rules).toMatchObject({ schema: 2 });
      expect(r.metadata.custom_rules).not.toHaveProperty('old_name');
      expect(r.version).toBe(2);
    }

    const rb = await api<Migration>('POST', `/api/metadata/migrations/${id}/rollback`, { body: {} });
    expect(rb.status, rb.text).toBe(202);
    const rolled = await until(id, 'rolled_back');
    expect(rolled.rollback).toMatchObject({ restored: 500, conflicts: 0 });
    const restored = await exported(TYPE);
    expect(restored.map(content)).toEqual(before.map(content));
    // A second rollback: the migration is rolled back already.
    expect((await api('POST', `/api/metadata/migrations/${id}/rollback`, { body: {} })).status).toBe(409);

    // Every step is on Nexus, hence in the audit trail.
    await eventually(
      async () => {
        const r = await api<{ items: Array<{ type: string }> }>(
          'GET',
          `/api/security/audits?entity_id=${id}&limit=50`,
        );
        const types = new Set(r.body.items.map((i) => i.type));
        return ['started', 'completed', 'rollback_requested', 'rolled_back'].every((t) =>
          types.has(`records.migration.${t}`),
        )
          ? true
          : undefined;
      },
      30_000,
      'the migration events in the audit trail',
    );
  });

  it('never loses a concurrent edit, and a rollback reports records changed since', {
    timeout: 120_000,
  }, async () => {
    await seed(EDITED, 100);
    const id = `edit-${run}`;
    const started = await migrate({ id, filter: { type: EDITED }, operations: OPERATIONS });
    expect(started.status, started.text).toBe(202);
    // Edits racing the run (before, during or after each record's change).
    const names = Array.from({ length: 25 }, (_, i) => `r${String(i * 4).padStart(4, '0')}`);
    await Promise.all(
      names.map(async (n) => {
        const r = await api('PUT', `/api/metadata/${EDITED}/${n}`, {
          body: { metadata: { custom_rules: { edited: true } } },
        });
        expect(r.status, r.text).toBe(200);
      }),
    );
    const done = await until(id, 'completed');
    const reported = new Set(done.reported.map((r) => r.name));
    const records = new Map((await exported(EDITED)).map((r) => [r.name, r]));
    for (const n of names) {
      const r = records.get(n);
      expect(r?.metadata.custom_rules?.edited, n).toBe(true); // the edit is never lost
      // …and the record is migrated, or reported as not migrated.
      if (!reported.has(n)) expect(r?.metadata.tags, n).toEqual(['migrated']);
    }
    expect((done.counts.changed ?? 0) + (done.counts.conflicts ?? 0)).toBe(100);

    // Changed after the migration: reported by the rollback, not overwritten.
    const late = 'r0001';
    await api('PUT', `/api/metadata/${EDITED}/${late}`, {
      body: { metadata: { custom_rules: { late: true } } },
    });
    await api('POST', `/api/metadata/migrations/${id}/rollback`, { body: {} });
    const rolled = await until(id, 'rolled_back');
    expect(rolled.rollback?.reported.map((r) => r.name)).toContain(late);
    const kept = await api<Rec>('GET', `/api/metadata/${EDITED}/${late}`);
    expect(kept.body.metadata.custom_rules).toMatchObject({ late: true, schema: 2 });
    const back = await api<Rec>('GET', `/api/metadata/${EDITED}/r0002`);
    expect(back.body.metadata.tags).toEqual(['old']);
  });

  it('resumes a rollback whose run died mid-way, without writing a restored record twice', {
    timeout: 120_000,
  }, async () => {
    await seed(RESUMED, 20);
    const before = await exported(RESUMED);
    const id = `resume-${run}`;
    const started = await migrate({ id, filter: { type: RESUMED }, operations: OPERATIONS });
    expect(started.status, started.text).toBe(202);
    await until(id, 'completed');

    // The fault, from outside: a rollback that restored 5 records, then its function died
    // (what it leaves behind: those records written back from their backups, and the row
    // rolling_back with a claim older than any Lambda invocation lives).
    const migrationsTable = table('metadataMigrations');
    const backups = await dynamo().send(
      new QueryCommand({
        TableName: migrationsTable,
        KeyConditionExpression: 'id = :id AND begins_with(#item, :b)',
        ExpressionAttributeNames: { '#item': 'item' },
        ExpressionAttributeValues: { ':id': id, ':b': 'backup#' },
        ConsistentRead: true,
      }),
    );
    const restoredByDeadRun = (backups.Items ?? []).slice(0, 5).map((b) => ({
      ...(b.record as MetadataRecord),
      version: Number(b.migrated_version) + 1,
      updated_by: 'the-dead-rollback',
      updated_at: new Date().toISOString(),
    }));
    expect(restoredByDeadRun).toHaveLength(5);
    for (const r of restoredByDeadRun)
      await dynamo().send(new PutCommand({ TableName: table('metadataRecords'), Item: toItem(r) }));
    const deadClaim = new Date(Date.now() - RUN_LIMIT_MS - 60_000).toISOString();
    await dynamo().send(
      new UpdateCommand({
        TableName: migrationsTable,
        Key: { id, item: 'migration' },
        UpdateExpression: 'SET #status = :rb, #rollback = :rollback, rollback_claimed_at = :claim',
        ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback' },
        ExpressionAttributeValues: {
          ':rb': 'rolling_back',
          ':claim': deadClaim,
          ':rollback': {
            requested_at: deadClaim,
            requested_by: 'dev-admin',
            force: false,
            restored: 0,
            conflicts: 0,
            reported: [],
          },
        },
      }),
    );

    // The next look resumes it; it finishes with every record back, none reported.
    expect((await status(id)).body.status).toBe('rolling_back');
    const rolled = await until(id, 'rolled_back');
    expect(rolled.rollback).toMatchObject({ restored: 20, conflicts: 0, reported: [] });
    expect((await exported(RESUMED)).map(content)).toEqual(before.map(content));
    for (const r of restoredByDeadRun) {
      const stored = await dynamo().send(
        new GetCommand({
          TableName: table('metadataRecords'),
          Key: { type: r.type, name: r.name },
          ConsistentRead: true,
        }),
      );
      // Left as the dead run wrote it: not restored a second time.
      expect(stored.Item, r.name).toMatchObject({ version: r.version, updated_by: 'the-dead-rollback' });
    }
  });
});
