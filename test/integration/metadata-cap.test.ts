/**
 * The 64 KB cap holds for what is stored (issue 12, item 1), on the emulator: an entity whose
 * metadata is at its limit stays writable by everyone — a client patch, the scheduler's intent
 * summary, a scheduled archive, a delete — and its stored document never exceeds the cap; a
 * client write that would grow it beyond is a 413 naming the field.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES, type Metadata, metadataSize } from '../../lib/entity-metadata/index.ts';
import { clientPart, MAX_CLIENT_METADATA_BYTES } from '../../lib/store/fit.ts';
import { api, entityRow, eventually, masterRow } from './support/client.ts';

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
type Intent = { id: string; status: string };
type View = {
  id: string;
  state: string;
  version: number;
  metadata: Metadata & { scheduling?: { intents?: Intent[] } };
};
type ErrorBody = { error: { code: string; message: string; details: { largest: Array<{ path: string }> } } };

/** Metadata whose client part, as stored, is `bytes` long (tags and a blob in custom_rules). */
const metadataOfSize = (bytes: number): Metadata => {
  const base = { tags: ['cap'], custom_rules: { blob: '' } };
  return { ...base, custom_rules: { blob: 'x'.repeat(bytes - metadataSize(base)) } };
};

/** The stored document (entity row and master row) is within the cap. */
async function expectStoredWithinCap(id: string): Promise<Metadata> {
  const row = await entityRow('campaign', id);
  const master = await masterRow('campaign', id);
  const stored = row?.metadata as Metadata;
  expect(metadataSize(stored)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
  expect(metadataSize(master?.metadata)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
  return stored;
}

describe('an entity at the cap', () => {
  it('is created, patched, gets its intents, is archived by the scheduler and deleted; stored within the cap', async () => {
    const created = await api<View>('POST', '/api/campaigns', {
      body: { name: `cap ${randomUUID().slice(0, 8)}`, metadata: metadataOfSize(MAX_CLIENT_METADATA_BYTES) },
    });
    expect(created.status, created.text.slice(0, 300)).toBe(201);
    const id = created.body.id;
    expect(metadataSize(clientPart(await expectStoredWithinCap(id)))).toBe(MAX_CLIENT_METADATA_BYTES);

    // Client patches of a field: each appends an audit entry; 30 of them take more than the
    // platform's reserve, so the oldest are dropped from the document (the audit table keeps all).
    for (let i = 0; i < 30; i++) {
      const p = await api<View>('PATCH', `/api/campaigns/${id}`, { body: { name: `renamed ${i}` } });
      expect(p.status, p.text.slice(0, 300)).toBe(200);
    }
    const patched = await expectStoredWithinCap(id);
    const history = patched.audit?.history ?? [];
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThan(31);
    expect(history.at(-1)).toMatchObject({ action: 'update' });

    // Growing the client's part is refused, naming the field; nothing changes.
    const before = (await api<View>('GET', `/api/campaigns/${id}`)).body.version;
    const grow = await api<ErrorBody>('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { custom_rules: { more: 'y'.repeat(100) } } },
    });
    expect(grow.status, grow.text).toBe(413);
    expect(grow.body.error.details.largest[0]?.path).toBe('metadata.custom_rules');
    expect((await api<View>('GET', `/api/campaigns/${id}`)).body.version).toBe(before);

    // The scheduler's writes (the intent summary, then the archive) never fail for size.
    const intent = await api<Intent>('POST', '/api/scheduler/intents', {
      body: {
        action: 'archive',
        run_at: inSeconds(20),
        pattern: 'cap-archive',
        cancel_on: [],
        entity: { type: 'campaign', id },
      },
    });
    expect(intent.status, intent.text).toBe(202);
    const shown = await eventually(
      async () => {
        const v = await api<View>('GET', `/api/campaigns/${id}`);
        return v.body.metadata.scheduling?.intents?.find((i) => i.id === intent.body.id) ? v : undefined;
      },
      30_000,
      'the intent in metadata.scheduling.intents',
    );
    expect(shown.status).toBe(200);
    const archived = await eventually(
      async () => {
        const v = await api<View>('GET', `/api/campaigns/${id}`);
        return v.body.state === 'archived' ? v : undefined;
      },
      75_000,
      'the scheduled archive',
    );
    expect(archived.body.metadata.scheduling?.intents?.find((i) => i.id === intent.body.id)?.status).toMatch(
      /executing|executed/,
    );
    await expectStoredWithinCap(id);

    // Patched down, then deleted.
    const down = await api<View>('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { custom_rules: { blob: 'small' } } },
    });
    expect(down.status, down.text.slice(0, 300)).toBe(200);
    expect(metadataSize(down.body.metadata)).toBeLessThan(4096);
    expect((await api('DELETE', `/api/campaigns/${id}`)).status).toBe(204);
  });

  it('a create over the limit is a 413 naming the largest field; nothing is stored', async () => {
    const name = `over ${randomUUID().slice(0, 8)}`;
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      body: { name, metadata: metadataOfSize(MAX_CLIENT_METADATA_BYTES + 1) },
    });
    expect(r.status, r.text).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
    expect(r.body.error.message).toContain('metadata.custom_rules');
  });
});
