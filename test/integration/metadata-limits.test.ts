/**
 * The stores' limits on metadata, through the deployed API: values DynamoDB cannot hold
 * (numbers it does not store exactly, nesting beyond the allowed depth, lone surrogates, tags
 * too long for an index key) are a 400 naming the field — never a 500 — on create, update and
 * records, and nothing is written. A tag at the cap is stored and can be listed by.
 */

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INDEXED_VALUE_BYTES, MAX_METADATA_DEPTH } from '../../lib/limits/index.ts';
import { api, outboxRows } from './support/client.ts';

type ErrorBody = { error: { code: string; details?: { issues?: Array<{ path: string; message: string }> } } };
const paths = (r: { body: ErrorBody }) => (r.body.error.details?.issues ?? []).map((i) => i.path).sort();

/** `{ a: { a: … } }` with `levels` objects. */
const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

/** Hostile metadata and the field each one must be named by. */
const HOSTILE: Array<[string, Record<string, unknown>, string]> = [
  ['a number above 2^53', { custom_rules: { big: 2 ** 53 + 2 } }, 'metadata.custom_rules.big'],
  ['1e300', { custom_rules: { huge: 1e300 } }, 'metadata.custom_rules.huge'],
  ['1e-300', { custom_rules: { tiny: 1e-300 } }, 'metadata.custom_rules.tiny'],
  ['a lone surrogate in a tag', { tags: ['ok', 'bad\ud800'] }, 'metadata.tags[1]'],
  ['a lone surrogate in a field name', { custom_rules: { 'k\udc00': 1 } }, 'metadata.custom_rules.k\\uDC00'],
  ['a tag longer than an index key allows', { tags: ['t'.repeat(3000)] }, 'metadata.tags[0]'],
  ['a feature longer than an index key allows', { features: ['é'.repeat(100)] }, 'metadata.features[0]'],
  [
    'nesting deeper than DynamoDB keeps',
    // Deeper than metadata may nest (16), within what a whole request body may (24): the
    // metadata check names the field (a deeper body is refused earlier, as a whole).
    { service_specific: { content: deep(18) } },
    `metadata.service_specific.content${'.a'.repeat(MAX_METADATA_DEPTH - 2)}`,
  ],
];

let existingId = '';
/** Every refused request carries a correlation id of this run: no outbox row may hold one. */
const run = `limits-${randomUUID()}`;
let sent = 0;
const refused = () => ({ 'x-correlation-id': `${run}-${++sent}` });

beforeAll(async () => {
  const r = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: 'limits-fixture' } });
  expect(r.status, r.text).toBe(201);
  existingId = r.body.id;
});

afterAll(async () => {
  await api('DELETE', `/api/campaigns/${existingId}`);
});

describe('metadata beyond the stores’ limits is a 400 naming the field', () => {
  afterAll(async () => {
    // The entity, its master row and its event are one transaction: a refused request that wrote
    // anything left an outbox row with its correlation id. (Counting tables cannot tell: the
    // platform and the files beside this one write to them meanwhile.)
    const written = [...(await outboxRows())].filter(([, c]) => c?.startsWith(run));
    expect(written).toEqual([]);
    const fixture = await api<{ version: number }>('GET', `/api/campaigns/${existingId}`);
    expect(fixture.body.version).toBe(1);
    const probe = await api('GET', '/api/metadata/object/limits-probe');
    expect(probe.status, probe.text).toBe(404);
    expect(sent).toBe(HOSTILE.length * 3);
  });

  it.each(HOSTILE)('create with %s', async (_what, metadata, path) => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      body: { name: 'hostile', metadata },
      headers: refused(),
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(paths(r)).toContain(path);
  });

  it.each(HOSTILE)('update with %s', async (_what, metadata, path) => {
    const r = await api<ErrorBody>('PATCH', `/api/campaigns/${existingId}`, {
      body: { metadata },
      headers: refused(),
    });
    expect(r.status, r.text).toBe(400);
    expect(paths(r)).toContain(path);
  });

  it.each(HOSTILE)('a metadata record with %s', async (_what, metadata, path) => {
    const r = await api<ErrorBody>('PUT', '/api/metadata/object/limits-probe', {
      body: { metadata },
      headers: refused(),
    });
    expect(r.status, r.text).toBe(400);
    expect(paths(r).some((p) => p.endsWith(path.replace(/^metadata/, '')))).toBe(true);
  });
});

describe('at the limits', () => {
  it('a tag of exactly the cap is stored and the entity is listed by it', async () => {
    const tag = `é${'x'.repeat(MAX_INDEXED_VALUE_BYTES - 2)}`; // 2 + 126 = 128 bytes
    expect(Buffer.byteLength(tag)).toBe(MAX_INDEXED_VALUE_BYTES);
    const created = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: 'at-cap', metadata: { tags: [tag], custom_rules: { n: 2 ** 53 - 1, f: 1e-130 } } },
    });
    expect(created.status, created.text).toBe(201);
    try {
      const list = await api<{ items: Array<{ id: string }> }>(
        'GET',
        `/api/campaigns?tag=${encodeURIComponent(tag)}`,
      );
      expect(list.status, list.text).toBe(200);
      expect(list.body.items.map((i) => i.id)).toContain(created.body.id);
      const got = await api<{ metadata: { custom_rules: Record<string, number> } }>(
        'GET',
        `/api/campaigns/${created.body.id}`,
      );
      expect(got.body.metadata.custom_rules).toEqual({ n: 2 ** 53 - 1, f: 1e-130 });
    } finally {
      await api('DELETE', `/api/campaigns/${created.body.id}`);
    }
  });
});
