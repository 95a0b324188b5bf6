/**
 * A migration whose run died mid-way (lib/records/migrations.ts): the row it claimed stays
 * `running` only until RUN_LIMIT_MS after the claim; then whoever looks at it (GET, a rollback
 * request, a redelivered started event) marks it `failed`, once, with its event.
 */
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../lib/events/envelope.ts';
import type { BackupRow, MigrationRow, MigrationStore } from '../../lib/records/migration-store.ts';
import { MIGRATION_EVENTS, Migrations, RUN_LIMIT_MS } from '../../lib/records/migrations.ts';
import type { RecordRepo } from '../../lib/records/store.ts';
import { migrationRow } from '../kit/migrations.ts';

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
  async update(
    id: string,
    fields: Partial<MigrationRow>,
    cond?: {
      status: readonly MigrationRow['status'][];
      unsetField?: 'run_claimed_at' | 'rollback_claimed_at';
    },
  ) {
    const r = this.rows.get(id);
    if (!r) return false;
    if (cond && !cond.status.includes(r.status)) return false;
    if (cond?.unsetField && r[cond.unsetField] !== undefined) return false;
    this.rows.set(id, { ...r, ...fields });
    return true;
  }
  async putBackups(_id: string, _rows: readonly BackupRow[]) {}
  async backups() {
    return [];
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
    const seen = await Promise.all([w.migrations.status('mig-1'), w.migrations.status('mig-1')]);
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
