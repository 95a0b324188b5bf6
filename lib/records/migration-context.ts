/**
 * What every step of a migration shares (docs/records.md "Migrations"; the steps:
 * migration-run.ts runs and rolls back, migrations.ts answers the requests): the
 * dependencies, the clock, the records a filter matches, the events, and marking a run that
 * died mid-way `failed` ({@link RUN_LIMIT_MS}).
 */
import type { Principal } from '../auth/tokens.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { type MetadataRecord, MIGRATION_EVENTS, type MigrationRequest, type RecordKey } from './contract.ts';
import { MAX_MIGRATION_RECORDS } from './migration.ts';
import type { MigrationRow, MigrationStore } from './migration-store.ts';
import { type PartitionRead, partitionPages } from './query.ts';
import type { RecordRepo } from './store.ts';

/** A run claimed longer ago than this is dead: Lambda's 15-minute limit plus a margin. */
export const RUN_LIMIT_MS = 16 * 60_000;

/** The actor of what the platform does on its own (an interrupted run marked failed). */
export const MIGRATIONS_ACTOR: RequestMeta['actor'] = { sub: 'metadata-migrations', role: 'service' };

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

export const keyOf = (r: RecordKey): RecordKey => ({ type: r.type, name: r.name });

export class MigrationSteps {
  protected readonly now: () => Date;
  constructor(protected readonly deps: MigrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * A row `running` whose claim is older than {@link RUN_LIMIT_MS}: its run died. Marked
   * `failed` (only by the caller whose conditional write wins) with its event; returns the
   * row as it now is.
   */
  protected async failIfInterrupted(row: MigrationRow, meta: RequestMeta): Promise<MigrationRow> {
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

  /** Every record the filter matches (type partition, consistent reads, filters on the rest). */
  protected async matched(filter: MigrationRequest['filter'], limit?: number): Promise<MetadataRecord[]> {
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

  protected event(
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
