/**
 * Running a migration and its rollback, each from its event (docs/records.md "Migrations"):
 * the run backs up every matched record, then changes them in batches, each write conditional
 * on the version read (a concurrent edit is re-read and retried, then reported); the rollback
 * restores every changed record from its backup unless it changed after the migration. Each
 * claims its row once, so a redelivered event does nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import { BATCH_GET_LIMIT, chunk } from '../aws/batch.ts';
import { type MetadataRecord, MIGRATION_EVENTS, type RecordKey, refOf } from './contract.ts';
import { matchesFilter, migrateRecord } from './migration.ts';
import { keyOf, MigrationSteps, type RequestMeta } from './migration-context.ts';
import {
  type BackupRow,
  MAX_REPORTED,
  type MigrationReportEntry,
  type MigrationRow,
} from './migration-store.ts';
import { fromItem } from './records.ts';
import { WriteConflictError } from './store.ts';

/** Records changed at the same time within a batch. */
const WRITE_CONCURRENCY = 8;
/** Re-read-and-retry attempts after a concurrent edit, before the record is reported. */
const CONFLICT_RETRIES = 3;

export class MigrationRuns extends MigrationSteps {
  /** The started event: back up and change every matched record (once per migration). */
  async run(id: string, meta: RequestMeta): Promise<void> {
    const claimed = await this.deps.store.update(
      id,
      { run_claimed_at: this.now().toISOString(), started_at: this.now().toISOString() },
      { status: ['running'], unsetField: 'run_claimed_at' },
    );
    if (!claimed) {
      // Redelivered, or not running any more; or its run died long ago.
      const stuck = await this.deps.store.get(id);
      if (stuck) await this.failIfInterrupted(stuck, meta);
      return;
    }
    const row = await this.deps.store.get(id);
    if (!row) return;
    try {
      const records = await this.matched(row.filter);
      const counts = { ...row.counts, matched: records.length };
      const reported: MigrationReportEntry[] = [];
      const report = (k: RecordKey, reason: string) => {
        if (reported.length < MAX_REPORTED) reported.push({ type: k.type, name: k.name, reason });
      };
      // Backup first: every matched record as read, before any is changed.
      await this.deps.store.putBackups(
        id,
        records.map((r) => ({ key: keyOf(r), record: r })),
      );
      for (const batch of chunk(records, 25 * WRITE_CONCURRENCY)) {
        const migrated: BackupRow[] = [];
        await pool(batch, WRITE_CONCURRENCY, async (r) => {
          const out = await this.migrateOne(id, r, row, meta.actor.sub);
          if (out.kind === 'changed') {
            counts.changed++;
            migrated.push({ key: keyOf(r), record: out.original, migrated_version: out.version });
          } else if (out.kind === 'unchanged') counts.unchanged++;
          else if (out.kind === 'conflict') {
            counts.conflicts++;
            report(r, out.reason);
          } else {
            counts.failed++;
            report(r, out.reason);
          }
          if (out.kind !== 'unchanged' && out.retries) counts.retried += out.retries;
        });
        // The backup rows learn the version the migration wrote (rollback checks it).
        await this.deps.store.putBackups(id, migrated);
        await this.deps.store.update(id, { counts, reported });
      }
      const finished = this.now().toISOString();
      await this.deps.store.update(id, { status: 'completed', finished_at: finished, counts, reported });
      await this.deps.store.emit([this.event(MIGRATION_EVENTS.completed, row, meta, { counts })]);
    } catch (e) {
      const error = `${(e as Error).name}: ${(e as Error).message}`;
      await this.deps.store.update(id, { status: 'failed', finished_at: this.now().toISOString(), error });
      await this.deps.store.emit([this.event(MIGRATION_EVENTS.failed, row, meta, { error })]);
    }
  }

  /** One record: migrate and write conditionally; on a concurrent edit re-read (and re-back-up) and retry. */
  private async migrateOne(
    id: string,
    first: MetadataRecord,
    row: MigrationRow,
    actor: string,
  ): Promise<
    | { kind: 'changed'; original: MetadataRecord; version: number; retries: number }
    | { kind: 'unchanged'; retries: number }
    | { kind: 'conflict' | 'failed'; reason: string; retries: number }
  > {
    let current: MetadataRecord | undefined = first;
    for (let attempt = 0; ; attempt++) {
      if (!current) return { kind: 'conflict', reason: 'deleted during the migration', retries: attempt };
      if (!matchesFilter(current, row.filter))
        return {
          kind: 'conflict',
          reason: 'no longer matches the filter (changed during the migration)',
          retries: attempt,
        };
      if (attempt > 0) await this.deps.store.putBackups(id, [{ key: keyOf(current), record: current }]);
      const out = migrateRecord(current, row.operations);
      if (out.kind === 'unchanged') return { kind: 'unchanged', retries: attempt };
      if (out.kind === 'invalid')
        return {
          kind: 'failed',
          reason: `fails validation after the operations: ${out.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          retries: attempt,
        };
      const next: MetadataRecord = {
        ...out.record,
        version: current.version + 1,
        updated_by: actor,
        updated_at: this.now().toISOString(),
      };
      try {
        await this.deps.repo.put(next, current.version);
        return { kind: 'changed', original: current, version: next.version, retries: attempt };
      } catch (e) {
        if (!(e instanceof WriteConflictError)) throw e;
        if (attempt >= CONFLICT_RETRIES)
          return {
            kind: 'conflict',
            reason: `changed concurrently ${attempt + 1} times; not migrated`,
            retries: attempt,
          };
        current = await this.deps.repo.get(keyOf(current));
      }
    }
  }

  /**
   * The rollback event: restore every record the migration changed (once per request; a
   * resumed one, with `resumeClaim`, takes over the claim its event carries).
   */
  async rollback(id: string, meta: RequestMeta, resumeClaim?: string): Promise<void> {
    const claimed = await this.deps.store.update(
      id,
      { rollback_claimed_at: this.now().toISOString() },
      {
        status: ['rolling_back'],
        unsetField: 'rollback_claimed_at',
        ...(resumeClaim === undefined ? {} : { orClaimIs: resumeClaim }),
      },
    );
    if (!claimed) return;
    const row = await this.deps.store.get(id);
    if (!row?.rollback) return;
    const rb = { ...row.rollback };
    const reported: MigrationReportEntry[] = [];
    const backups = (await this.deps.store.backups(id)).filter((b) => b.migrated_version !== undefined);
    // A batch at a time: the records as they are now (one BatchGetItem per 100, not a read
    // each), then their restores.
    for (const part of chunk(backups, BATCH_GET_LIMIT)) {
      const found = await this.deps.repo.batchGet(part.map((b) => b.key));
      await pool(part, WRITE_CONCURRENCY, async (b) => {
        const current = found.get(refOf(b.key));
        // Restored already (by an interrupted run of this rollback, or by hand): nothing to write.
        if (current && sameContent(current, b.record)) {
          rb.restored++;
          return;
        }
        const changedSince = current?.version !== b.migrated_version;
        if (changedSince && !rb.force) {
          rb.conflicts++;
          if (reported.length < MAX_REPORTED)
            reported.push({
              ...b.key,
              reason: current
                ? `changed after the migration (version ${current.version}, migration wrote ${b.migrated_version}); not restored (force: true overwrites)`
                : 'deleted after the migration; not restored (force: true recreates it)',
            });
          return;
        }
        const restored: MetadataRecord = {
          ...b.record,
          version: (current?.version ?? 0) + 1,
          updated_by: meta.actor.sub,
          updated_at: this.now().toISOString(),
        };
        try {
          await this.deps.repo.put(restored, current ? current.version : null);
          rb.restored++;
        } catch (e) {
          if (!(e instanceof WriteConflictError)) throw e;
          rb.conflicts++;
          if (reported.length < MAX_REPORTED)
            reported.push({ ...b.key, reason: 'changed while being restored; not restored' });
        }
      });
    }
    const done = { ...rb, reported, finished_at: this.now().toISOString() };
    await this.deps.store.update(id, { status: 'rolled_back', rollback: done });
    await this.deps.store.emit([
      this.event(MIGRATION_EVENTS.rolledBack, row, meta, {
        restored: done.restored,
        conflicts: done.conflicts,
        force: done.force,
      }),
    ]);
  }
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

/**
 * The same record but for what every write changes (version, updated_by, updated_at); both
 * read as the store reads a record (absent and null fields alike).
 */
function sameContent(a: MetadataRecord, b: MetadataRecord): boolean {
  const { version: _av, updated_by: _ab, updated_at: _aa, ...restA } = fromItem({ ...a });
  const { version: _bv, updated_by: _bb, updated_at: _ba, ...restB } = fromItem({ ...b });
  return isDeepStrictEqual(restA, restB);
}
