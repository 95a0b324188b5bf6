/**
 * Migrations of records (docs/records.md "Migrations"):
 *
 * - `plan` (POST): validate the request, read every matched record, run the operations on
 *   each in memory → a dry-run report, or (apply) the migration row + `records.migration.started`
 *   in one transaction (409 when the id was used), answered 202;
 * - `run` (the started event, from Nexus): back up every matched record, then change them in
 *   batches, each write conditional on the version read (a concurrent edit is re-read and
 *   retried, then reported); progress in the migration row; `completed` or `failed` event;
 * - `requestRollback` (POST …/rollback) and `rollback` (its event): restore every changed
 *   record from its backup unless it changed after the migration (reported; `force` overwrites).
 *
 * The runs are idempotent: each claims its row once (a redelivered event does nothing).
 *
 * A run whose function died mid-way (crashed, timed out, the machine went away) would leave
 * the row `running` forever: its claim stops any redelivery. No invocation lives longer than
 * Lambda's 15 minutes, so a row still `running` {@link RUN_LIMIT_MS} after its claim is
 * interrupted: whoever looks at it next (GET, a rollback request, a redelivered started
 * event) marks it `failed` with the reason, once (a conditional write), with its
 * `records.migration.failed` event. Not resumed: a second run would back up records the
 * first one had already changed. Its backups stay: the records of its finished batches can be
 * rolled back (those of the batch it died in carry no migrated version, so a rollback skips
 * them; their backups hold what they were).
 *
 * A rollback whose function died mid-way is resumed instead: restoring is safe to repeat,
 * because a record that already holds its backup's content counts as restored and is not
 * written again. A row `rolling_back` whose rollback was claimed (or, never claimed, requested)
 * longer than {@link RUN_LIMIT_MS} ago is taken over by whoever looks at it next (GET, a
 * rollback request): one conditional write swaps the dead claim for a new one, and only its
 * winner emits `records.migration.rollback_requested` again, carrying that claim
 * (`resume_claim`), which the rollback run may take over.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Principal } from '../auth/tokens.ts';
import { BATCH_GET_LIMIT, chunk } from '../aws/batch.ts';
import { badRequest, conflict, notFound, validationError } from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import {
  type MetadataRecord,
  MIGRATION_EVENTS,
  type MigrationRequest,
  type RecordKey,
  type RollbackRequest,
  refOf,
} from './contract.ts';
import {
  MAX_MIGRATION_RECORDS,
  MAX_REPORTED_FAILURES,
  MIGRATION_CONFIRM_THRESHOLD,
  matchesFilter,
  migrateRecord,
  PREVIEW_SIZE,
} from './migration.ts';
import {
  type BackupRow,
  MAX_REPORTED,
  type MigrationReportEntry,
  type MigrationRow,
  type MigrationStore,
} from './migration-store.ts';
import { type PartitionRead, partitionPages } from './query.ts';
import { fromItem } from './records.ts';
import { type RecordRepo, WriteConflictError } from './store.ts';

/** A run claimed longer ago than this is dead: Lambda's 15-minute limit plus a margin. */
export const RUN_LIMIT_MS = 16 * 60_000;

/** The actor of what the platform does on its own (an interrupted run marked failed). */
export const MIGRATIONS_ACTOR: RequestMeta['actor'] = { sub: 'metadata-migrations', role: 'service' };

/** Records changed at the same time within a batch. */
const WRITE_CONCURRENCY = 8;
/** Re-read-and-retry attempts after a concurrent edit, before the record is reported. */
const CONFLICT_RETRIES = 3;

export interface MigrationDeps {
  repo: RecordRepo;
  store: MigrationStore;
  environment: string;
  now?: () => Date;
}

export interface RequestMeta {
  actor: Principal;
  correlationId: string;
}

const keyOf = (r: RecordKey): RecordKey => ({ type: r.type, name: r.name });

export class Migrations {
  private readonly now: () => Date;
  constructor(private readonly deps: MigrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * POST /api/metadata/migrations: a dry-run report (200) or the started migration (202). The
   * request is parsed by the route's declared schema; what needs the records is checked here.
   */
  async plan(req: MigrationRequest, meta: RequestMeta): Promise<{ status: 200 | 202; body: unknown }> {
    const records = await this.matched(req.filter);
    if (records.length === 0 && (await this.matched({ type: req.filter.type }, 1)).length === 0)
      throw validationError([{ path: 'filter.type', message: `no record has type ${req.filter.type}` }]);
    if (records.length > MAX_MIGRATION_RECORDS)
      throw badRequest(
        `The filter matches ${records.length} records; a migration takes at most ${MAX_MIGRATION_RECORDS}: narrow the filter (namespace, scope, state)`,
        { matched: records.length, limit: MAX_MIGRATION_RECORDS },
      );
    if (records.length > MIGRATION_CONFIRM_THRESHOLD && !req.confirm_large && !req.dry_run)
      throw validationError([
        {
          path: 'confirm_large',
          message: `the filter matches ${records.length} records (more than ${MIGRATION_CONFIRM_THRESHOLD}): send confirm_large: true to migrate them`,
        },
      ]);
    const preview: unknown[] = [];
    const failures: Array<{ type: string; name: string; issues: unknown }> = [];
    let changed = 0;
    for (const r of records) {
      const out = migrateRecord(r, req.operations);
      if (out.kind === 'invalid') {
        if (failures.length < MAX_REPORTED_FAILURES)
          failures.push({ type: r.type, name: r.name, issues: out.issues });
        else failures.length++;
      } else if (out.kind === 'changed') {
        changed++;
        if (preview.length < PREVIEW_SIZE) preview.push({ type: r.type, name: r.name, changes: out.changes });
      }
    }
    const failed = failures.length;
    const report = {
      id: req.id,
      dry_run: true,
      matched: records.length,
      would_change: changed,
      unchanged: records.length - changed - failed,
      would_fail: failed,
      preview,
      failures: failures.filter(Boolean),
      ...(records.length > MIGRATION_CONFIRM_THRESHOLD ? { confirm_large_required: true } : {}),
    };
    if (req.dry_run) return { status: 200, body: report };
    if (failed > 0)
      throw validationError(
        failures.filter(Boolean).flatMap((f) =>
          (f.issues as Array<{ path: string; message: string }>).map((i) => ({
            path: `records[${f.type}/${f.name}].${i.path}`,
            message: i.message,
          })),
        ),
        `${failed} of ${records.length} matched records would fail validation after the operations; nothing was written`,
      );
    const at = this.now().toISOString();
    const row: MigrationRow = {
      id: req.id,
      ...(req.description ? { description: req.description } : {}),
      filter: req.filter,
      operations: req.operations,
      status: 'running',
      created_by: meta.actor.sub,
      created_at: at,
      counts: { matched: records.length, changed: 0, unchanged: 0, retried: 0, conflicts: 0, failed: 0 },
      reported: [],
      backup: { table: this.deps.store.table, key: `id = ${req.id}, item begins_with backup#` },
    };
    await this.deps.store.create(
      row,
      this.event(MIGRATION_EVENTS.started, row, meta, { matched: records.length, filter: req.filter }),
    );
    return { status: 202, body: view(row) };
  }

  /**
   * GET /api/metadata/migrations/{id}. What the read finds dead (a run, a rollback) the platform
   * settles on its own: its events carry {@link MIGRATIONS_ACTOR} and the correlation id of the
   * request that found it, so they belong to that request's story.
   */
  async status(id: string, correlationId = 'migration-status'): Promise<unknown> {
    const meta: RequestMeta = { actor: MIGRATIONS_ACTOR, correlationId };
    const row = await this.deps.store.get(id);
    if (!row) throw notFound(`No migration ${id}`, { id });
    return view(await this.resumeIfInterrupted(await this.failIfInterrupted(row, meta), meta));
  }

  /**
   * A row `rolling_back` whose rollback was claimed (or requested, if never claimed) longer
   * than {@link RUN_LIMIT_MS} ago: its rollback died. The caller whose conditional write
   * replaces the dead claim emits the rollback event again with the new claim, once; returns
   * the row as it now is (still `rolling_back`).
   */
  private async resumeIfInterrupted(row: MigrationRow, meta: RequestMeta): Promise<MigrationRow> {
    if (row.status !== 'rolling_back' || !row.rollback) return row;
    const claimed = row.rollback_claimed_at ?? row.rollback.requested_at;
    const now = this.now();
    if (!(now.getTime() - Date.parse(claimed) > RUN_LIMIT_MS)) return row;
    const resumeClaim = now.toISOString();
    const taken = await this.deps.store.update(
      row.id,
      { rollback_claimed_at: resumeClaim },
      {
        status: ['rolling_back'],
        unsetField: 'rollback_claimed_at',
        ...(row.rollback_claimed_at === undefined ? {} : { orClaimIs: row.rollback_claimed_at }),
      },
    );
    if (!taken) return (await this.deps.store.get(row.id)) ?? row;
    await this.deps.store.emit([
      this.event(MIGRATION_EVENTS.rollbackRequested, row, meta, {
        force: row.rollback.force,
        resume_claim: resumeClaim,
      }),
    ]);
    return { ...row, rollback_claimed_at: resumeClaim };
  }

  /**
   * A row `running` whose claim is older than {@link RUN_LIMIT_MS}: its run died. Marked
   * `failed` (only by the caller whose conditional write wins) with its event; returns the
   * row as it now is.
   */
  private async failIfInterrupted(row: MigrationRow, meta: RequestMeta): Promise<MigrationRow> {
    if (row.status !== 'running' || row.run_claimed_at === undefined) return row;
    const now = this.now();
    if (!(now.getTime() - Date.parse(row.run_claimed_at) > RUN_LIMIT_MS)) return row;
    const error =
      `interrupted: the run started at ${row.run_claimed_at} never finished (its function crashed or ` +
      `timed out); ${row.counts.changed} record(s) of its finished batches were changed and can be ` +
      'rolled back; records of the batch it was in may be changed too (every matched record has a backup)';
    const failed = { status: 'failed' as const, finished_at: now.toISOString(), error };
    if (await this.deps.store.update(row.id, failed, { status: ['running'] })) {
      await this.deps.store.emit([this.event(MIGRATION_EVENTS.failed, row, meta, { error })]);
      return { ...row, ...failed };
    }
    return (await this.deps.store.get(row.id)) ?? row;
  }

  /** POST /api/metadata/migrations/{id}/rollback: 202, the rollback runs from its event. */
  async requestRollback(id: string, body: RollbackRequest, meta: RequestMeta): Promise<unknown> {
    const found = await this.deps.store.get(id);
    if (!found) throw notFound(`No migration ${id}: it never ran (a dry run is not stored)`, { id });
    const row = await this.resumeIfInterrupted(await this.failIfInterrupted(found, meta), meta);
    const rollback = {
      requested_at: this.now().toISOString(),
      requested_by: meta.actor.sub,
      force: body.force ?? false,
      restored: 0,
      conflicts: 0,
      reported: [],
    };
    const ok = await this.deps.store.update(
      id,
      { status: 'rolling_back', rollback },
      { status: ['completed', 'failed'] },
    );
    if (!ok)
      throw conflict(
        `Migration ${id} is ${row.status}: only a completed or failed migration can be rolled back`,
        {
          id,
          status: row.status,
        },
      );
    const next: MigrationRow = { ...row, status: 'rolling_back', rollback };
    await this.deps.store.emit([
      this.event(MIGRATION_EVENTS.rollbackRequested, next, meta, { force: rollback.force }),
    ]);
    return view(next);
  }

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

  /** Every record the filter matches (type partition, consistent reads, filters on the rest). */
  private async matched(filter: MigrationRequest['filter'], limit?: number): Promise<MetadataRecord[]> {
    const out: MetadataRecord[] = [];
    const query: PartitionRead = {
      partition: { index: 'table', value: filter.type },
      filters: {
        ...(filter.namespace ? { namespace: [filter.namespace] } : {}),
        ...(filter.scope ? { scope: [filter.scope] } : {}),
        ...(filter.state ? { state: [filter.state] } : {}),
      },
      descending: false,
    };
    for await (const items of partitionPages(
      (q) => this.deps.repo.queryPartition(q),
      query,
      () => limit,
    )) {
      out.push(...items);
      if (limit && out.length >= limit) break;
      if (out.length > MAX_MIGRATION_RECORDS) break;
    }
    return out;
  }

  private event(
    type: string,
    row: Pick<MigrationRow, 'id'>,
    meta: RequestMeta,
    payload: Record<string, unknown>,
  ): EventEnvelope {
    return buildEnvelope({
      type,
      service: 'records',
      environment: this.deps.environment,
      correlationId: meta.correlationId,
      actor: { id: meta.actor.sub, role: meta.actor.role },
      entity: { type: 'records_migration', id: row.id, version: 0 },
      payload: { migration_id: row.id, ...payload },
    });
  }
}

/** What the API shows of a migration row (no claim bookkeeping). */
function view(row: MigrationRow): Record<string, unknown> {
  const { run_claimed_at: _r, rollback_claimed_at: _b, ...rest } = row;
  return rest;
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
