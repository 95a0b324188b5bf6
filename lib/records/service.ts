/**
 * The records protocol over a {@link RecordRepo}: reads by key (strongly consistent, through a
 * checked cache: reads.ts), queries and export (listing.ts), save with on_conflict and
 * optimistic locking, delete, bulk and import. Routes (lambda.ts) only shape the answers.
 */

import { ulid } from 'ulidx';
import type { Principal } from '../auth/tokens.ts';
import { backoffDelay } from '../aws/batch.ts';
import { conflict, notFound, TemporaError, validationError } from '../errors.ts';
import {
  batchWritesOf,
  buildResults,
  type OpResult,
  onConflictOfImportMode,
  type ParsedOps,
  parseOps,
  planOps,
  recordsError,
  summarize,
  txActionsOf,
} from './bulk.ts';
import { DEFAULT_CONFLICT_RETRIES } from './config.ts';
import {
  type BulkBody,
  type ExportQuery,
  type ImportBody,
  type ListQuery,
  type MetadataRecord,
  type OnConflict,
  type PutBody,
  parseRef,
  type RecordKey,
  refOf,
  writeInputOf,
} from './contract.ts';
import { exportRecords, queryRecords, type RecordExport } from './listing.ts';
import { type EffectiveView, RecordReads } from './reads.ts';
import { applyWrite, type WriteContext, type WriteOutcome } from './records.ts';
import { checkExtends } from './resolve.ts';
import { type RecordRepo, WriteConflictError } from './store.ts';

export type { EffectiveView };

export interface RecordsOptions {
  /** Re-read-and-retry attempts after a version conflict without If-Match (default 3). */
  maxConflictRetries?: number;
  /** How long an instance keeps a read to check before serving it, in ms (default 5000; 0 disables). */
  cacheTtlMs?: number;
  now?: () => Date;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

export interface SaveResult {
  status: 200 | 201;
  outcome: WriteOutcome;
  record: MetadataRecord;
}

export interface BulkReport {
  summary: Record<string, number>;
  results: OpResult[];
}

export class RecordsService {
  private readonly reads: RecordReads;
  private readonly maxRetries: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly repo: RecordRepo,
    opts: RecordsOptions = {},
  ) {
    this.reads = new RecordReads(repo, opts.cacheTtlMs);
    this.maxRetries = opts.maxConflictRetries ?? DEFAULT_CONFLICT_RETRIES;
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.newId ?? (() => ulid());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Drop every cached read (after this instance's own writes). */
  invalidate(): void {
    this.reads.invalidate();
  }

  // -------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------

  /** A record by key as stored now, or undefined. */
  find(key: RecordKey): Promise<MetadataRecord | undefined> {
    return this.reads.find(key);
  }

  /** A record by key as stored now (404 when absent). */
  get(key: RecordKey): Promise<MetadataRecord> {
    return this.reads.get(key);
  }

  /** The record with its effective metadata along the extends chain, as stored now. */
  effective(key: RecordKey): Promise<EffectiveView> {
    return this.reads.effective(key);
  }

  query(q: ListQuery): Promise<{ items: Record<string, unknown>[]; next_cursor: string | null }> {
    return queryRecords(this.repo, q);
  }

  exportRecords(q: ExportQuery = {}): Promise<RecordExport> {
    return exportRecords(this.repo, q, this.now());
  }

  // -------------------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------------------

  private writeContext(actor: Principal): WriteContext {
    return { actor: actor.sub, now: this.now().toISOString(), newId: this.newId };
  }

  private async pause(attempt: number): Promise<void> {
    await this.sleep(backoffDelay(attempt, { baseDelayMs: 20, maxDelayMs: 200 }));
  }

  /**
   * `PUT /api/metadata/{type}/{name}`. Conditional on the version read (or on absence); on a
   * conditional failure without If-Match, re-read and retry up to `maxConflictRetries` times,
   * then 409; with If-Match, 409 at once. `body` is parsed by the route's declared schema;
   * what needs the path or the store (type/name equal to the path, the base record) is checked here.
   */
  async save(
    key: RecordKey,
    body: PutBody,
    opts: { onConflict?: OnConflict; ifMatch?: number },
    actor: Principal,
  ): Promise<SaveResult> {
    const { type, name, on_conflict, ...fields } = body;
    const issues = [
      ...(type !== undefined && type !== key.type
        ? [{ path: 'type', message: `must equal the path's type "${key.type}"` }]
        : []),
      ...(name !== undefined && name !== key.name
        ? [{ path: 'name', message: `must equal the path's name "${key.name}"` }]
        : []),
      ...(on_conflict && opts.onConflict && on_conflict !== opts.onConflict
        ? [{ path: 'on_conflict', message: `differs from the query parameter (${opts.onConflict})` }]
        : []),
    ];
    if (issues.length) throw validationError(issues);
    const onConflict = on_conflict ?? opts.onConflict ?? 'update';
    const input = writeInputOf(fields, key.type);

    for (let attempt = 0; ; attempt++) {
      const current = await this.repo.get(key, true);
      if (opts.ifMatch !== undefined && current?.version !== opts.ifMatch) {
        throw conflict(
          current
            ? `Version conflict on ${refOf(key)}: If-Match ${opts.ifMatch}, current version ${current.version}`
            : `${refOf(key)} does not exist (If-Match ${opts.ifMatch})`,
          {
            type: key.type,
            name: key.name,
            expected_version: opts.ifMatch,
            current_version: current?.version ?? null,
          },
        );
      }
      const { outcome, record } = applyWrite(current, key, input, onConflict, this.writeContext(actor));
      if (outcome === 'skipped') return { status: 200, outcome, record };
      const issue = await checkExtends(key, record.extends, (ref) => this.repo.get(parseRef(ref), true));
      if (issue) throw validationError([issue]);
      try {
        await this.repo.put(record, current?.version ?? null);
        this.invalidate();
        return { status: outcome === 'created' ? 201 : 200, outcome, record };
      } catch (e) {
        if (!(e instanceof WriteConflictError)) throw e;
        if (opts.ifMatch !== undefined) {
          throw conflict(`${refOf(key)} changed concurrently (If-Match ${opts.ifMatch}); re-read and retry`, {
            type: key.type,
            name: key.name,
            expected_version: opts.ifMatch,
          });
        }
        if (attempt >= this.maxRetries) throw this.gaveUp(key, attempt + 1);
        await this.pause(attempt + 1);
      }
    }
  }

  private gaveUp(key: RecordKey, attempts: number): TemporaError {
    return conflict(
      `${refOf(key)} kept changing concurrently; gave up after ${attempts} attempts. Re-read and retry`,
      { type: key.type, name: key.name, attempts },
    );
  }

  /** `DELETE /api/metadata/{type}/{name}`: 404 when absent; If-Match and retries as for save. */
  async remove(key: RecordKey, ifMatch: number | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.repo.get(key, true);
      if (!current)
        throw notFound(`Metadata record ${refOf(key)} not found`, { type: key.type, name: key.name });
      if (ifMatch !== undefined && current.version !== ifMatch) {
        throw conflict(
          `Version conflict on ${refOf(key)}: If-Match ${ifMatch}, current version ${current.version}`,
          {
            type: key.type,
            name: key.name,
            expected_version: ifMatch,
            current_version: current.version,
          },
        );
      }
      try {
        await this.repo.delete(key, current.version);
        this.invalidate();
        return;
      } catch (e) {
        if (!(e instanceof WriteConflictError)) throw e;
        if (ifMatch !== undefined)
          throw conflict(`${refOf(key)} changed concurrently (If-Match ${ifMatch}); re-read and retry`, {
            type: key.type,
            name: key.name,
            expected_version: ifMatch,
          });
        if (attempt >= this.maxRetries) throw this.gaveUp(key, attempt + 1);
        await this.pause(attempt + 1);
      }
    }
  }

  /** `POST /api/metadata/bulk`. */
  async bulk(body: BulkBody, actor: Principal): Promise<BulkReport & { transactional: boolean }> {
    const { operations, continue_on_error = false, transactional = false, on_conflict } = body;
    const parsed = parseOps(operations, 'bulk', { onConflict: on_conflict ?? 'update' });
    const report = await this.run(
      parsed,
      'operations',
      { continueOnError: continue_on_error, transactional },
      actor,
    );
    return { transactional, ...report };
  }

  /** `POST /api/metadata/import`. */
  async importRecords(
    body: ImportBody,
    actor: Principal,
  ): Promise<BulkReport & { mode: string; dry_run: boolean }> {
    const { records, mode = 'merge', continue_on_error = false, dry_run = false } = body;
    const parsed = parseOps(records, 'import', { onConflict: onConflictOfImportMode(mode) });
    const report = await this.run(
      parsed,
      'records',
      { continueOnError: continue_on_error, transactional: false, dryRun: dry_run },
      actor,
    );
    return { mode, dry_run, ...report };
  }

  /** Plan, refuse or report invalid records, then write (batch or transaction). */
  private async run(
    parsed: ParsedOps,
    listName: 'operations' | 'records',
    opts: { continueOnError: boolean; transactional: boolean; dryRun?: boolean },
    actor: Principal,
  ): Promise<BulkReport> {
    for (let attempt = 0; ; attempt++) {
      const { planned, errors } = await planOps(parsed.ops, this.repo, this.writeContext(actor));
      const results = buildResults(parsed, planned, errors);
      const failed = results.some((r) => r.status === 'error');
      if (failed && (!opts.continueOnError || opts.transactional))
        throw recordsError(results, listName, parsed.total);
      if (opts.dryRun) return { summary: summarize(results), results };

      if (opts.transactional) {
        const actions = txActionsOf(planned);
        try {
          await this.repo.transactWrite(actions.map((a) => a.action));
        } catch (e) {
          if (!(e instanceof WriteConflictError)) throw e;
          if (attempt < this.maxRetries) {
            await this.pause(attempt + 1);
            continue;
          }
          const culprits = e.indexes.flatMap((i) => {
            const a = actions[i];
            return a ? [{ index: a.index, ...parsed.keys.get(a.index) }] : [];
          });
          throw conflict(
            `The transaction was cancelled by concurrent changes ${attempt + 1} times; nothing was written. Retry`,
            { records: culprits, attempts: attempt + 1 },
          );
        }
        this.invalidate();
        return { summary: summarize(results), results };
      }

      const writes = batchWritesOf(planned);
      const left = writes.length > 0 ? await this.repo.batchWrite(writes.map((w) => w.write)) : [];
      if (writes.length > 0) this.invalidate();
      if (left.length > 0) {
        const leftRefs = new Set(left.map((w) => refOf('put' in w ? w.put : w.delete)));
        for (const w of writes) {
          const ref = refOf('put' in w.write ? w.write.put : w.write.delete);
          if (!leftRefs.has(ref)) continue;
          const r = results[w.index];
          if (!r) continue;
          results[w.index] = {
            index: r.index,
            type: r.type,
            name: r.name,
            status: 'error',
            error: { code: 'throttled', message: 'not written: the table kept throttling; send it again' },
          };
        }
        throw new TemporaError(
          503,
          'throttled',
          `${left.length} of ${writes.length} writes were not applied (throttled after retries); the others were. Resend the failed ones`,
          { summary: summarize(results), results },
        );
      }
      return { summary: summarize(results), results };
    }
  }
}
