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
import { badRequest, conflict, notFound, validationError } from '../errors.ts';
import { MIGRATION_EVENTS, type MigrationRequest, type RollbackRequest } from './contract.ts';
import {
  MAX_MIGRATION_RECORDS,
  MAX_REPORTED_FAILURES,
  MIGRATION_CONFIRM_THRESHOLD,
  migrateRecord,
  PREVIEW_SIZE,
} from './migration.ts';
import { MIGRATIONS_ACTOR, type RequestMeta, RUN_LIMIT_MS } from './migration-context.ts';
import { MigrationRuns } from './migration-run.ts';
import type { MigrationRow } from './migration-store.ts';

export class Migrations extends MigrationRuns {
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
}

/** What the API shows of a migration row (no claim bookkeeping). */
function view(row: MigrationRow): Record<string, unknown> {
  const { run_claimed_at: _r, rollback_claimed_at: _b, ...rest } = row;
  return rest;
}
