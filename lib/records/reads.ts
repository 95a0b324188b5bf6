/**
 * Reads of a record by key, strongly consistent, through a per-instance cache that is checked
 * before it is trusted (docs/contract.md "Reads that see your own writes").
 *
 * A cached record is served only after a consistent read of its stamp — its `id` and `version`,
 * one GetItem with a projection — finds it unchanged; an effective view only after one
 * consistent BatchGetItem of the stamps of every record its resolution read (and of a missing
 * base, which must still be missing). Every write bumps `version`, and a record deleted and
 * created again gets a new `id`, so an unchanged stamp means the stored record is the cached
 * one. A read therefore returns every write that completed before it began, whichever instance
 * or path made it (another instance, a migration run, a rollback, a restore).
 *
 * What the cache saves: the record's bytes (the stamp is ~60 bytes; DynamoDB still charges the
 * read by the whole item's size) and, for an effective view, the chain's sequential reads and
 * merge (one batched read instead). bench/records-cache.ts measures it.
 */
import type { Metadata } from '../entity-metadata/index.ts';
import { notFound } from '../errors.ts';
import { TtlCache } from './cache.ts';
import { type MetadataRecord, parseRef, type RecordKey, refOf } from './contract.ts';
import { effectiveMetadata, type ResolveWarning, resolveChain } from './resolve.ts';
import type { RecordRepo, RecordStamp } from './store.ts';

export interface EffectiveView {
  record: MetadataRecord;
  effective_metadata: Metadata;
  resolution: { chain: string[]; warnings: ResolveWarning[] };
}

/** What a cached effective view was computed from: each record read, stamped (undefined: absent). */
type Dependencies = Map<string, RecordStamp | undefined>;

const sameStamp = (a: RecordStamp | undefined, b: RecordStamp | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.id === b.id && a.version === b.version);

const stampOf = (r: MetadataRecord): RecordStamp => ({ id: r.id, version: r.version });

export class RecordReads {
  private readonly records: TtlCache<MetadataRecord>;
  private readonly effectives: TtlCache<{ view: EffectiveView; deps: Dependencies }>;

  constructor(
    private readonly repo: RecordRepo,
    cacheTtlMs?: number,
  ) {
    this.records = new TtlCache(cacheTtlMs);
    this.effectives = new TtlCache(cacheTtlMs);
  }

  /** Drop every cached read (this instance's own writes: no check needed to know they changed). */
  invalidate(): void {
    this.records.clear();
    this.effectives.clear();
  }

  /** The record as stored now (a cached copy once its stamp is checked), or undefined. */
  async find(key: RecordKey): Promise<MetadataRecord | undefined> {
    const ref = refOf(key);
    const cached = this.records.get(ref);
    if (cached && sameStamp(stampOf(cached), (await this.repo.stamps([key])).get(ref))) return cached;
    const stored = await this.repo.get(key, true);
    if (stored) this.records.set(ref, stored);
    else this.records.delete(ref);
    return stored;
  }

  /** The record (404 when absent). */
  async get(key: RecordKey): Promise<MetadataRecord> {
    const r = await this.find(key);
    if (!r) throw notFound(`Metadata record ${refOf(key)} not found`, { type: key.type, name: key.name });
    return r;
  }

  /** The record with its effective metadata along the extends chain. */
  async effective(key: RecordKey): Promise<EffectiveView> {
    const ref = refOf(key);
    const cached = this.effectives.get(ref);
    if (cached && (await this.unchanged(cached.deps))) return cached.view;
    const deps: Dependencies = new Map();
    const read = async (k: RecordKey): Promise<MetadataRecord | undefined> => {
      const r = await this.find(k);
      deps.set(refOf(k), r && stampOf(r));
      return r;
    };
    const record = await read(key);
    if (!record) throw notFound(`Metadata record ${ref} not found`, { type: key.type, name: key.name });
    const { chain, warnings } = await resolveChain(record, (r) => read(parseRef(r)));
    const view: EffectiveView = {
      record,
      effective_metadata: effectiveMetadata(chain),
      resolution: { chain: chain.map(refOf), warnings },
    };
    this.effectives.set(ref, { view, deps });
    return view;
  }

  /** Every record a view was computed from still has its stamp (absent ones still absent). */
  private async unchanged(deps: Dependencies): Promise<boolean> {
    const now = await this.repo.stamps([...deps.keys()].map(parseRef));
    for (const [ref, stamp] of deps) if (!sameStamp(stamp, now.get(ref))) return false;
    return true;
  }
}
