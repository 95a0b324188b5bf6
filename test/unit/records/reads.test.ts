/**
 * Reads by key through the checked cache (lib/records/reads.ts): a cached record or effective
 * view is served only when the table's stamps (id, version) say it is still what is stored.
 * "Behind" writes go straight to the in-memory table, as another instance's write, a migration
 * run or a rollback would: this instance never hears of them.
 */
import { describe, expect, it } from 'vitest';
import type { MetadataRecord } from '../../../lib/records/contract.ts';
import { RecordReads } from '../../../lib/records/reads.ts';
import { aRecord, MemoryRecordRepo } from '../../kit/records-memory-repo.ts';

const record = (name: string, over: Partial<MetadataRecord> = {}): MetadataRecord =>
  aRecord({ type: 'config', name, metadata: { tags: [name] }, ...over });

const key = (name: string) => ({ type: 'config', name });

function setup(seed: MetadataRecord[], ttl = 5000) {
  const repo = new MemoryRecordRepo(seed);
  const behind = (r: MetadataRecord) => repo.records.set(`${r.type}/${r.name}`, structuredClone(r));
  const calls = () => ({ ...repo.calls });
  return { repo, reads: new RecordReads(repo, ttl), behind, calls };
}

describe('reads by key through the checked cache', () => {
  it('serves a cached record after one stamp read, not a second full read', async () => {
    const { reads, calls } = setup([record('a')]);
    await reads.get(key('a'));
    expect(calls()).toEqual({ get: 1 });
    expect((await reads.get(key('a'))).version).toBe(1);
    expect(calls()).toEqual({ get: 1, stamps: 1 });
  });

  it("returns a write it did not make (another instance's, a migration's) on the next read", async () => {
    const { reads, behind } = setup([record('a')]);
    await reads.get(key('a'));
    behind(record('a', { version: 2, metadata: { tags: ['migrated'] } }));
    expect(await reads.get(key('a'))).toMatchObject({ version: 2, metadata: { tags: ['migrated'] } });
  });

  it('returns a record deleted and created again with the same version (another id)', async () => {
    const { repo, reads, behind } = setup([record('a')]);
    await reads.get(key('a'));
    repo.records.delete('config/a');
    expect(await reads.find(key('a'))).toBeUndefined();
    await expect(reads.get(key('a'))).rejects.toMatchObject({ status: 404 });
    behind(record('a', { metadata: { tags: ['first'] } }));
    await reads.get(key('a'));
    behind(record('a', { id: 'id-again', metadata: { tags: ['again'] } }));
    expect((await reads.get(key('a'))).metadata).toEqual({ tags: ['again'] });
  });

  it('reads the table every time when the cache is off (ttl 0)', async () => {
    const { reads, calls } = setup([record('a')], 0);
    await reads.get(key('a'));
    await reads.get(key('a'));
    expect(calls()).toEqual({ get: 2 });
  });

  it('serves a cached effective view after one batched stamp read of its chain', async () => {
    const { reads, calls } = setup([record('base'), record('child', { extends: 'config/base' })]);
    const first = await reads.effective(key('child'));
    expect(first.effective_metadata).toEqual({ tags: ['child'] });
    expect(first.resolution.chain).toEqual(['config/base', 'config/child']);
    const before = calls();
    await reads.effective(key('child'));
    expect(calls()).toEqual({ ...before, stamps: (before.stamps ?? 0) + 1 });
  });

  it('recomputes an effective view when a record of its chain changed behind it', async () => {
    const { reads, behind } = setup([
      record('base', { metadata: { custom_rules: { a: 1 } } }),
      record('child', { extends: 'config/base', metadata: {} }),
    ]);
    expect((await reads.effective(key('child'))).effective_metadata).toEqual({ custom_rules: { a: 1 } });
    behind(record('base', { version: 2, metadata: { custom_rules: { a: 2 } } }));
    expect((await reads.effective(key('child'))).effective_metadata).toEqual({ custom_rules: { a: 2 } });
  });

  it('recomputes an effective view when its missing base appears', async () => {
    const { reads, behind } = setup([record('child', { extends: 'config/base', metadata: {} })]);
    const missing = await reads.effective(key('child'));
    expect(missing.resolution.warnings.map((w) => w.code)).toEqual(['missing_base']);
    behind(record('base', { metadata: { custom_rules: { from: 'base' } } }));
    const found = await reads.effective(key('child'));
    expect(found.resolution.warnings).toEqual([]);
    expect(found.effective_metadata).toEqual({ custom_rules: { from: 'base' } });
  });

  it('answers 404 for an effective view whose record was deleted behind it', async () => {
    const { repo, reads } = setup([record('a')]);
    await reads.effective(key('a'));
    repo.records.delete('config/a');
    await expect(reads.effective(key('a'))).rejects.toMatchObject({ status: 404 });
  });
});
