/**
 * Every domain service of the registry answers over HTTPS: health, and a create → read →
 * patch → list → delete round trip with metadata on its collection.
 */
import { describe, expect, it } from 'vitest';
import { healthPath, registry } from '../../lib/registry/index.ts';
import { api, masterRow, withRetentionWritten } from './support/client.ts';

const u = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A valid body per service; a service added to the registry without one fails the first test. */
const samples: Record<string, () => Record<string, unknown>> = {
  user: () => ({ email: `${u()}@example.com`, username: `u_${u()}` }),
  notification: () => ({ user_id: 'u1', channel: 'email', title: 'Welcome' }),
  campaign: () => ({ name: 'Spring' }),
  referral: () => ({ referrer_id: 'u1', code: `CODE-${u()}` }),
  content: () => ({ title: 'Hello', kind: 'article', body: 'Text' }),
  commerce: () => ({
    customer_id: 'u1',
    currency: 'EUR',
    items: [{ sku: 'tee', quantity: 2, unit_price: 19.5 }],
  }),
  localization: () => ({ source_locale: 'en', target_locales: ['fr', 'de'] }),
  search: () => ({ q: 'summer campaigns' }),
  admin: () => ({ user_id: 'u1', roles: ['support'] }),
  analytics: () => ({ name: 'page.view', properties: { path: '/' } }),
  moderation: () => ({ content_id: 'c1', reason: 'spam' }),
  talent: () => ({ display_name: 'Ada', skills: ['singing'] }),
};

describe('the registry', () => {
  it('has a sample body for every service (so every collection is exercised)', () => {
    expect(Object.keys(samples).sort()).toEqual(crudServices.map((s) => s.name).sort());
  });
});

/** Services whose table is an entity collection (security's audit trail is written from the bus only). */
const crudServices = registry.filter((s) => s.crud !== false);

describe.each(registry.map((s) => ({ name: s.name, path: healthPath(s) })))(
  '$name service',
  ({ name, path }) => {
    it('answers health publicly at its collection path + /health', async () => {
      const r = await api('GET', path, { as: null });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ service: name, status: 'ok' });
    });
  },
);

describe('the immutable audit collection', () => {
  it('offers no create, update or delete: 405 with Allow: GET', async () => {
    for (const [method, path] of [
      ['POST', '/api/security/audits'],
      ['PATCH', '/api/security/audits/x'],
      ['DELETE', '/api/security/audits/x'],
    ] as const) {
      const r = await api(method, path, { body: method === 'DELETE' ? undefined : {} });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(405);
      expect(r.headers.get('allow')).toBe('GET');
      expect(r.body).toMatchObject({ error: { code: 'method_not_allowed' } });
    }
  });
});

describe.each(crudServices.map((s) => ({ name: s.name, service: s })))('$name service', ({ service }) => {
  it('is registered with a sample', async () => {
    expect(samples[service.name]).toBeDefined();
  });

  it(`CRUD on /api/${service.collection} with metadata`, async () => {
    const base = `/api/${service.collection}`;
    const tag = `svc-${u()}`;
    const sample = samples[service.name];
    if (!sample) throw new Error(`no sample for ${service.name}`);
    const created = await api<{ id: string; version: number; metadata: Record<string, unknown> }>(
      'POST',
      base,
      {
        body: { ...sample(), metadata: { tags: [tag], features: ['test'], custom_rules: { k: 1 } } },
      },
    );
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    expect(created.body.metadata).toMatchObject({ tags: [tag], features: ['test'], custom_rules: { k: 1 } });
    expect((await masterRow(service.entity, id))?.entity_type).toBe(service.entity);

    const got = await api<{ id: string }>('GET', `${base}/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(id);
    // A user account gets its retention intent written by the scheduler (one more version).
    const v = service.selfOwned ? (await withRetentionWritten(service.collection, id)).version : 1;

    const patched = await api<{ version: number; metadata: { custom_rules?: Record<string, unknown> } }>(
      'PATCH',
      `${base}/${id}`,
      { body: { metadata: { custom_rules: { extra: true } } }, headers: { 'if-match': String(v) } },
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.version).toBe(v + 1);
    expect(patched.body.metadata.custom_rules).toEqual({ k: 1, extra: true });

    const listed = await api<{ items: Array<{ id: string }> }>('GET', `${base}?tag=${tag}`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.map((i) => i.id)).toEqual([id]);

    expect((await api('DELETE', `${base}/${id}`)).status).toBe(204);
    expect((await api('GET', `${base}/${id}`)).status).toBe(404);
    expect((await api<{ items: unknown[] }>('GET', `${base}?tag=${tag}`)).body.items).toEqual([]);
  });
});

describe('unknown collections', () => {
  it('→ 404', async () => {
    expect((await api('GET', '/api/nonexistent')).status).toBe(404);
    expect((await api('GET', '/api/nonexistent/health', { as: null })).status).toBe(404);
  });
});
