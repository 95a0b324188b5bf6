/**
 * Reads that see your own writes (issue 25, docs/contract.md "Reads that see your own writes"):
 * a GET of a record by key is strongly consistent, even when the record function's instance
 * answering it had cached the record before the write. Each case warms the cache first (the
 * same GET, a few times concurrently, so every warm instance holds it), then changes the record
 * by a path that is not that instance's own write: a migration run (an event, in another
 * invocation), or a write straight to the table (what another instance's write, a restore or a
 * rollback is to this one). The next GET must return the new version.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type MetadataRecord, refOf } from '../../lib/records/contract.ts';
import { toItem } from '../../lib/records/records.ts';
import { api, dynamo, eventually, table } from './support/client.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const TYPE = `ryw-${run}`;

type Rec = MetadataRecord & {
  effective_metadata?: { tags?: string[] };
  resolution?: { chain: string[] };
};

const path = (name: string, suffix = '') => `/api/metadata/${TYPE}/${name}${suffix}`;

async function put(name: string, body: Record<string, unknown>): Promise<Rec> {
  const res = await api<Rec>('PUT', path(name), { body });
  expect([200, 201], res.text).toContain(res.status);
  return res.body;
}

/** GET the record several times at once (so every warm instance caches it); all agree. */
async function warm(name: string, suffix = ''): Promise<Rec> {
  const all = await Promise.all(Array.from({ length: 4 }, () => api<Rec>('GET', path(name, suffix))));
  for (const r of all) expect(r.status, r.text).toBe(200);
  return all[0]?.body as Rec;
}

const get = async (name: string, suffix = ''): Promise<Rec> => {
  const r = await api<Rec>('GET', path(name, suffix));
  expect(r.status, r.text).toBe(200);
  return r.body;
};

/** A write to the records table that no records function instance made (so none cleared its cache). */
const writeBehind = (record: MetadataRecord) =>
  dynamo().send(new PutCommand({ TableName: table('metadataRecords'), Item: toItem(record) }));

describe('reads that see your own writes', () => {
  it('a GET right after a migration reported completed returns the migrated version', async () => {
    const v1 = await put('a', { metadata: { tags: ['before'] } });
    expect((await warm('a')).version).toBe(v1.version);
    expect((await warm('a', '?resolve=true')).effective_metadata?.tags).toEqual(['before']);
    const id = `ryw-${run}`;
    const started = await api('POST', '/api/metadata/migrations', {
      body: {
        id,
        filter: { type: TYPE },
        operations: [{ op: 'set', path: 'metadata.tags', value: ['after'] }],
      },
    });
    expect(started.status, started.text).toBe(202);
    await eventually(
      async () => {
        const s = await api<{ status: string }>('GET', `/api/metadata/migrations/${id}`);
        if (s.body.status === 'failed') throw new Error(s.text);
        return s.body.status === 'completed' ? true : undefined;
      },
      60_000,
      `migration ${id} to complete`,
    );
    const after = await get('a');
    expect(after.version).toBe(v1.version + 1);
    expect(after.metadata.tags).toEqual(['after']);
    expect((await get('a', '?resolve=true')).effective_metadata?.tags).toEqual(['after']);
    expect((await get('a', '/effective')).effective_metadata?.tags).toEqual(['after']);
  });

  it('a write another instance made is read at once, and so is a record deleted and created again', async () => {
    const v1 = await put('b', { metadata: { tags: ['one'] } });
    await warm('b');
    await writeBehind({ ...v1, version: v1.version + 1, metadata: { tags: ['two'] } });
    const v2 = await get('b');
    expect(v2).toMatchObject({ version: v1.version + 1, metadata: { tags: ['two'] } });

    // Deleted and created again: version 1 again, but another record (another id).
    await warm('b');
    await dynamo().send(
      new DeleteCommand({ TableName: table('metadataRecords'), Key: { type: TYPE, name: 'b' } }),
    );
    expect((await api('GET', path('b'))).status).toBe(404);
    await writeBehind({ ...v1, id: `${v1.id}x`, metadata: { tags: ['recreated'] } });
    await warm('b');
    await dynamo().send(
      new DeleteCommand({ TableName: table('metadataRecords'), Key: { type: TYPE, name: 'b' } }),
    );
    await writeBehind({ ...v1, metadata: { tags: ['same version, other record'] } });
    expect((await get('b')).metadata.tags).toEqual(['same version, other record']);
  });

  it('an effective view follows a change of its base, and of a base that did not exist when it was cached', async () => {
    const base = await put('base', { metadata: { tags: ['base-1'] } });
    await put('child', { extends: 'base', metadata: {} });
    expect((await warm('child', '/effective')).effective_metadata?.tags).toEqual(['base-1']);
    await writeBehind({ ...base, version: base.version + 1, metadata: { tags: ['base-2'] } });
    const view = await get('child', '/effective');
    expect(view.effective_metadata?.tags).toEqual(['base-2']);
    expect(view.resolution?.chain).toEqual([refOf(base), `${TYPE}/child`]);

    // The base goes (a missing base is a warning), then comes back.
    await dynamo().send(
      new DeleteCommand({ TableName: table('metadataRecords'), Key: { type: TYPE, name: 'base' } }),
    );
    expect((await get('child', '/effective')).resolution?.chain).toEqual([`${TYPE}/child`]);
    await warm('child', '/effective');
    await writeBehind({ ...base, version: base.version + 2, metadata: { tags: ['base-3'] } });
    expect((await get('child', '/effective')).effective_metadata?.tags).toEqual(['base-3']);
  });

  it('a PUT is read back by the next GET, by key and in a list by type', async () => {
    await put('c', { metadata: { tags: ['c1'] } });
    await warm('c');
    const v2 = await put('c', { metadata: { tags: ['c2'] } });
    expect(await get('c')).toMatchObject({ version: v2.version, metadata: { tags: ['c2'] } });
    const page = await api<{ items: Rec[] }>('GET', `/api/metadata?type=${TYPE}&fields=version`);
    expect(page.body.items.find((i) => i.name === 'c')?.version).toBe(v2.version);
  });
});
