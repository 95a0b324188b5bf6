/**
 * A migration whose run died mid-way (lib/records/migrations.ts): the row it claimed stays
 * `running` only until RUN_LIMIT_MS after the claim; then whoever looks at it (GET, a rollback
 * request, a redelivered started event) marks it `failed`, once, with its event.
 */
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import { type MetadataRecord, MIGRATION_EVENTS } from '../../../lib/records/contract.ts';
import { MIGRATIONS_ACTOR, RUN_LIMIT_MS } from '../../../lib/records/migration-context.ts';
import type {
  BackupRow,
  MigrationRow,
  MigrationStore,
  UpdateCondition,
} from '../../../lib/records/migration-store.ts';
import { Migrations } from '../../../lib/records/migrations.ts';
import type { RecordRepo } from '../../../lib/records/store.ts';
import { migrationRow } from '../../kit/migrations.ts';
import { MemoryRecordRepo } from '../../kit/records-memory-repo.ts';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const meta = { actor: { sub: 'ops', role: 'admin' as const }, correlationId: 'corr-1' };

/** The store's conditional update semantics, in memory. */
class MemoryStore implements MigrationStore {
  readonly table = 'migrations';
  rows = new Map<string, MigrationRow>();
  events: EventEnvelope[] = [];

  async create(row: MigrationRow, started: EventEnvelope) {
    this.rows.set(row.id, row);
    this.events.push(started);
  }
  async get(id: string) {
    const r = this.rows.get(id);
    return r ? structuredClone(r) : undefined;
  }
  async update(id: string, fields: Partial<MigrationRow>, cond?: UpdateCondition) {
    const r = this.rows.get(id);
    if (!r) return false;
    if (cond && !cond.status.includes(r.status)) return false;
    const claim = cond?.unsetField ? r[cond.unsetField] : undefined;
    if (claim !== undefined && claim !== cond?.orClaimIs) return false;
    this.rows.set(id, { ...r, ...fields });
    return true;
  }
  backupRows: BackupRow[] = [];
  async putBackups(_id: string, rows: readonly BackupRow[]) {
    this.backupRows.push(...structuredClone(rows));
  }
  async backups() {
    return structuredClone(this.backupRows);
  }
  async emit(events: EventEnvelope[]) {
    this.events.push(...events);
  }
}

function setup(claimedAt: number | undefined) {
  let now = T0;
  const store = new MemoryStore();
  const row = migrationRow({
    created_at: iso(T0),
    counts: { matched: 10, changed: 4, unchanged: 0, retried: 0, conflicts: 0, failed: 0 },
    ...(claimedAt === undefined ? {} : { run_claimed_at: iso(claimedAt), started_at: iso(claimedAt) }),
  });
  store.rows.set(row.id, row);
  const migrations = new Migrations({
    repo: {} as RecordRepo, // never reached: the row is claimed already
    store,
    environment: 'test',
    now: () => new Date(now),
  });
  const failures = () => store.events.filter((e) => e.type === MIGRATION_EVENTS.failed);
  return {
    store,
    migrations,
    failures,
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe('an interrupted migration run', () => {
  it('stays running while its run may still be alive, then GET shows it failed, with one event', async () => {
    const w = setup(T0);
    w.at(T0 + RUN_LIMIT_MS);
    expect(await w.migrations.status('mig-1')).toMatchObject({ status: 'running' });
    expect(w.failures()).toHaveLength(0);

    w.at(T0 + RUN_LIMIT_MS + 1);
    const seen = await Promise.all([
      w.migrations.status('mig-1', 'corr-reader-one'),
      w.migrations.status('mig-1', 'corr-reader-two'),
    ]);
    for (const v of seen) {
      expect(v).toMatchObject({ status: 'failed', finished_at: iso(T0 + RUN_LIMIT_MS + 1) });
      expect((v as { error: string }).error).toMatch(
        /^interrupted: .* 4 record\(s\) of its finished batches/,
      );
    }
    expect(w.failures()).toHaveLength(1); // two readers, one transition, one event
    expect(w.failures()[0]?.payload).toEqual({
      migration_id: 'mig-1',
      error: expect.stringMatching(/^interrupted: /),
    });
    // The platform's doing, in the story of the read that found it.
    expect(w.failures()[0]?.actor).toEqual({ id: MIGRATIONS_ACTOR.sub, role: MIGRATIONS_ACTOR.role });
    expect(['corr-reader-one', 'corr-reader-two']).toContain(w.failures()[0]?.correlation_id);
    expect(await w.migrations.status('mig-1')).toMatchObject({ status: 'failed' });
    expect(w.failures()).toHaveLength(1);
  });

  it('a redelivered started event marks it failed instead of doing nothing', async () => {
    const w = setup(T0);
    w.at(T0 + 60_000);
    await w.migrations.run('mig-1', meta); // a Lambda retry a minute later: the run may be alive
    expect(w.store.rows.get('mig-1')?.status).toBe('running');
    w.at(T0 + RUN_LIMIT_MS + 60_000);
    await w.migrations.run('mig-1', meta); // a redrive from the DLQ much later
    expect(w.store.rows.get('mig-1')?.status).toBe('failed');
    expect(w.failures()).toHaveLength(1);
    expect(w.failures()[0]?.correlation_id).toBe('corr-1');
  });

  it('a rollback request on it is accepted (the run is failed first)', async () => {
    const w = setup(T0);
    w.at(T0 + RUN_LIMIT_MS + 1);
    expect(await w.migrations.requestRollback('mig-1', {}, meta)).toMatchObject({ status: 'rolling_back' });
    expect(w.store.events.map((e) => e.type)).toEqual([
      MIGRATION_EVENTS.failed,
      MIGRATION_EVENTS.rollbackRequested,
    ]);
  });

  it('a row never claimed (its started event not delivered yet) is left alone', async () => {
    const w = setup(undefined);
    w.at(T0 + 10 * RUN_LIMIT_MS);
    expect(await w.migrations.status('mig-1')).toMatchObject({ status: 'running' });
    expect(w.failures()).toHaveLength(0);
  });
});

/** A view record `name`, its `form` at `version`. */
const view = (name: string, form: string, version: number): MetadataRecord =>
  ({
    id: `id-${name}`,
    type: 'view',
    name,
    namespace: 'crm',
    scope: 'platform',
    metadata: { service_specific: { crm: { form } } },
    strategy: 'merge',
    validation: 'strict',
    owner: 'ops',
    state: 'active',
    version,
    created_by: 'ops',
    created_at: iso(T0 - 86_400_000),
    updated_by: 'ops',
    updated_at: iso(T0 - 86_400_000 + version),
  }) as MetadataRecord;

/**
 * A completed migration of views a, b, c (form v1 → v2, version 1 → 2) whose rollback died
 * after restoring a: a is back at v1 (version 3), b and c still migrated.
 */
function deadRollback(claimedAt: number | undefined) {
  let now = T0;
  const store = new MemoryStore();
  store.rows.set(
    'mig-1',
    migrationRow({
      status: 'rolling_back',
      finished_at: iso(T0 - 60_000),
      counts: { matched: 3, changed: 3, unchanged: 0, retried: 0, conflicts: 0, failed: 0 },
      rollback: {
        requested_at: iso(T0),
        requested_by: 'ops',
        force: false,
        restored: 0,
        conflicts: 0,
        reported: [],
      },
      ...(claimedAt === undefined ? {} : { rollback_claimed_at: iso(claimedAt) }),
    }),
  );
  store.backupRows = ['a', 'b', 'c'].map((name) => ({
    key: { type: 'view', name },
    record: view(name, 'v1', 1),
    migrated_version: 2,
  }));
  const restoredA = { ...view('a', 'v1', 3), updated_at: iso(T0 + 1) };
  const repo = new MemoryRecordRepo([restoredA, view('b', 'v2', 2), view('c', 'v2', 2)]);
  const migrations = new Migrations({ repo, store, environment: 'test', now: () => new Date(now) });
  const requested = () => store.events.filter((e) => e.type === MIGRATION_EVENTS.rollbackRequested);
  return {
    store,
    repo,
    migrations,
    requested,
    restoredA,
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe('an interrupted rollback', () => {
  it('is resumed once by whoever looks after RUN_LIMIT_MS, and finishes without writing a record twice', async () => {
    const w = deadRollback(T0);
    w.at(T0 + RUN_LIMIT_MS);
    expect(await w.migrations.status('mig-1')).toMatchObject({ status: 'rolling_back' });
    expect(w.requested()).toHaveLength(0); // the rollback may still be alive

    w.at(T0 + RUN_LIMIT_MS + 1);
    await Promise.all([w.migrations.status('mig-1'), w.migrations.status('mig-1')]);
    expect(w.requested()).toHaveLength(1); // two readers, one takeover, one event
    const resumeClaim = w.requested()[0]?.payload?.resume_claim;
    expect(resumeClaim).toBe(iso(T0 + RUN_LIMIT_MS + 1));

    await w.migrations.rollback('mig-1', meta); // the dead run's own event, redelivered: not resumed
    expect(w.store.rows.get('mig-1')?.status).toBe('rolling_back');

    const reads = { get: w.repo.calls.get ?? 0, batchGet: w.repo.calls.batchGet ?? 0 };
    await w.migrations.rollback('mig-1', meta, String(resumeClaim));
    // The three records read in one batch, not one read each.
    expect({ get: w.repo.calls.get ?? 0, batchGet: w.repo.calls.batchGet ?? 0 }).toEqual({
      get: reads.get,
      batchGet: reads.batchGet + 1,
    });
    const row = w.store.rows.get('mig-1');
    expect(row).toMatchObject({
      status: 'rolled_back',
      rollback: { restored: 3, conflicts: 0, reported: [] },
    });
    expect(await w.repo.get({ type: 'view', name: 'a' })).toEqual(w.restoredA); // not written again
    for (const name of ['b', 'c']) {
      expect(await w.repo.get({ type: 'view', name })).toMatchObject({
        version: 3,
        metadata: { service_specific: { crm: { form: 'v1' } } },
      });
    }

    const writes = w.repo.calls.put;
    await w.migrations.rollback('mig-1', meta, String(resumeClaim)); // its event redelivered
    expect(w.repo.calls.put).toBe(writes);
    expect(w.store.events.filter((e) => e.type === MIGRATION_EVENTS.rolledBack)).toHaveLength(1);
  });

  it('a rollback request meanwhile resumes it and answers 409 (a rollback is under way)', async () => {
    const w = deadRollback(T0);
    w.at(T0 + RUN_LIMIT_MS + 1);
    await expect(w.migrations.requestRollback('mig-1', {}, meta)).rejects.toMatchObject({ status: 409 });
    expect(w.requested()).toHaveLength(1);
  });

  it('a rollback whose event was never delivered (never claimed) is resumed from its request time', async () => {
    const w = deadRollback(undefined);
    w.at(T0 + RUN_LIMIT_MS + 1);
    await w.migrations.status('mig-1');
    expect(w.requested()).toHaveLength(1);
    await w.migrations.rollback('mig-1', meta, String(w.requested()[0]?.payload?.resume_claim));
    expect(w.store.rows.get('mig-1')?.status).toBe('rolled_back');
  });
});
