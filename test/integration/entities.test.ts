/**
 * CRUD of the campaign and user services over HTTPS on the emulator, with the
 * `_metadata_master` row checked against the entity after each write.
 */
import { describe, expect, it } from 'vitest';
import { api, entityRow, masterRow, withRetentionWritten } from './support/client.ts';

interface Entity {
  id: string;
  state: string;
  owner_id: string;
  metadata: Record<string, unknown> & { tags?: string[]; audit?: { history?: unknown[] } };
  version: number;
  created_at: string;
  updated_at: string;
  [k: string]: unknown;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

const cases = [
  {
    collection: 'campaigns',
    entity: 'campaign',
    table: 'campaign',
    create: () => ({
      name: `Summer ${unique()}`,
      metadata: {
        scheduling: { frequency: 5, start_time: '2025-06-01T00:00:00Z', end_time: '2025-06-30T23:59:59Z' },
        features: ['waitlist', 'leaderboard', 'broadcast'],
        custom_rules: { max_participants: 1000, reward_tier: 'platinum' },
        tags: ['ovasabi', 'launch'],
        service_specific: {
          campaign: { broadcast_enabled: true, leaderboard: [{ user: 'alice', score: 120 }] },
        },
        knowledge_graph: { pattern: 'waitlist', dependencies: ['user', 'notification'] },
      },
    }),
    patch: {
      description: 'Now with prizes',
      metadata: { tags: ['summer'], custom_rules: { reward_tier: 'gold' } },
    },
  },
  {
    collection: 'users',
    entity: 'user',
    table: 'user',
    create: () => {
      const u = unique();
      return {
        email: `${u}@example.com`,
        username: `user_${u}`,
        metadata: {
          tags: ['beta'],
          service_specific: { user: { interests: ['music', 'sports'], preferred_language: 'en' } },
        },
      };
    },
    patch: {
      display_name: 'Ada',
      metadata: { tags: ['vip'], service_specific: { user: { preferred_language: 'fr' } } },
    },
  },
] as const;

describe.each(cases)('$collection CRUD', (c) => {
  it('creates, reads, patches (deep merge, arrays replaced), lists and deletes, keeping _metadata_master in sync', async () => {
    const input = c.create();
    const created = await api<Entity>('POST', `/api/${c.collection}`, { body: input });
    expect(created.status, created.text).toBe(201);
    expect(created.body.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(created.body.version).toBe(1);
    expect(created.body.created_at).toBe(created.body.updated_at);
    // A user account gets its retention intent written into its metadata by the scheduler
    // (one more version): start from there, as a client using If-Match would.
    const e =
      c.entity === 'user' ? await withRetentionWritten<Entity>(c.collection, created.body.id) : created.body;
    const v = e.version;
    expect(e.state).toBe('active');
    // A user entity owns itself (its id is the `sub` of that user's tokens); others belong to their creator.
    const owner = c.entity === 'user' ? e.id : 'dev-admin';
    expect(e.owner_id).toBe(owner);
    expect(e.metadata.tags).toEqual(input.metadata.tags);
    expect(created.body.metadata.audit).toMatchObject({
      created_by: 'dev-admin',
      last_modified_by: 'dev-admin',
    });
    expect(e).not.toHaveProperty('master_key');

    // The master row references the entity and holds the same metadata and version.
    let master = await masterRow(c.entity, e.id);
    expect(master).toMatchObject({
      entity_id: e.id,
      entity_type: c.entity,
      environment: 'dev',
      version: v,
      metadata: e.metadata,
    });
    expect(master?.policy).toMatchObject({ validation: expect.any(String), retention: expect.any(String) });
    expect(master?.lineage).toMatchObject({ owner_id: owner, created_by: 'dev-admin' });
    const row = await entityRow(c.table, e.id);
    expect(row?.master_key).toBe(`${c.entity}#${e.id}`);
    expect(String(master?.entity_table)).toContain(
      c.table === 'campaign' ? 'service_campaign_main' : 'service_user_master',
    );

    const got = await api<Entity>('GET', `/api/${c.collection}/${e.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(e);

    const patched = await api<Entity>('PATCH', `/api/${c.collection}/${e.id}`, {
      body: c.patch,
      headers: { 'if-match': String(v) },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.version).toBe(v + 1);
    expect(patched.body.metadata.tags).toEqual(c.patch.metadata.tags); // arrays replaced
    expect(patched.body.metadata.audit?.history).toHaveLength((e.metadata.audit?.history?.length ?? 0) + 1);
    const expectedMerged = { ...(input.metadata as Record<string, unknown>) };
    for (const [k, v] of Object.entries(c.patch.metadata)) {
      const prev = expectedMerged[k];
      expectedMerged[k] =
        prev && typeof prev === 'object' && !Array.isArray(prev) && !Array.isArray(v)
          ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
    const { audit: _a, ...mergedNoAudit } = patched.body.metadata;
    // Intents the platform wrote (a user's retention) are not part of what the client merged.
    const { intents: _i, ...scheduling } = (mergedNoAudit.scheduling ?? {}) as Record<string, unknown>;
    if (Object.keys(scheduling).length) mergedNoAudit.scheduling = scheduling;
    else delete mergedNoAudit.scheduling;
    expect(mergedNoAudit).toEqual(expectedMerged);
    master = await masterRow(c.entity, e.id);
    expect(master).toMatchObject({ version: v + 1, metadata: patched.body.metadata });

    // A stale version is refused and changes nothing.
    const stale = await api('PATCH', `/api/${c.collection}/${e.id}`, {
      body: { metadata: { tags: ['stale'] } },
      headers: { 'if-match': String(v) },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'conflict' } });
    expect((await api<Entity>('GET', `/api/${c.collection}/${e.id}`)).body.version).toBe(v + 1);

    const listed = await api<{ items: Entity[]; next_cursor: string | null }>(
      'GET',
      `/api/${c.collection}?limit=100`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i) => i.id)).toContain(e.id);

    const deleted = await api('DELETE', `/api/${c.collection}/${e.id}`, {
      headers: { 'if-match': String(v + 1) },
    });
    expect(deleted.status).toBe(204);
    expect((await api('GET', `/api/${c.collection}/${e.id}`)).status).toBe(404);
    expect(await masterRow(c.entity, e.id)).toBeUndefined();
    expect(await entityRow(c.table, e.id)).toBeUndefined();
    expect((await api('DELETE', `/api/${c.collection}/${e.id}`)).status).toBe(404);
  });

  it('pages through a list with cursors, newest first, filtered by tag', async () => {
    const tag = `page-${unique()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = c.create();
      const r = await api<Entity>('POST', `/api/${c.collection}`, {
        body: { ...body, metadata: { ...body.metadata, tags: [tag] } },
      });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/${c.collection}?tag=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<{ items: Entity[]; next_cursor: string | null }>('GET', q);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 200);
    expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(seen.length).toBe(new Set(seen).size);
    for (const id of ids) await api('DELETE', `/api/${c.collection}/${id}`);
  });
});

describe('user verbs and health', () => {
  it('reactivates a user (state active, version bumped)', async () => {
    const u = cases[1].create();
    const created = await api<Entity>('POST', '/api/users', { body: { ...u, state: 'inactive' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.state).toBe('inactive');
    const re = await api<Entity>('POST', `/api/users/${created.body.id}/reactivate`);
    expect(re.status, re.text).toBe(200);
    expect(re.body).toMatchObject({ state: 'active', version: 2 });
    expect((await masterRow('user', created.body.id))?.state).toBe('active');
    expect((await api('POST', `/api/users/${created.body.id}/reactivate`, { as: 'user' })).status).toBe(403);
    expect((await api('POST', '/api/users/01ZZZZZZZZZZZZZZZZZZZZZZZZ/reactivate')).status).toBe(404);
  });

  it('GET /api/health is public and checks every table of the platform', async () => {
    const r = await api<{ service: string; status: string; checks: Record<string, { status: string }> }>(
      'GET',
      '/api/health',
      { as: null },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.status).toBe('ok');
    const { registry } = await import('../../lib/registry/index.ts');
    // Every service's table and the platform's central tables (platform features add their own).
    expect(Object.keys(r.body.checks)).toEqual(
      expect.arrayContaining([
        '_metadata_index',
        '_metadata_master',
        '_metadata_records',
        '_nexus_outbox',
        '_policies',
        '_scheduler_intents',
        ...registry.map((s) => s.name),
      ]),
    );
    expect(Object.values(r.body.checks).every((c) => c.status === 'ACTIVE')).toBe(true);
  });

  it.each([
    ['users', 'user'],
    ['campaigns', 'campaign'],
  ])('GET /api/%s/health is public (not taken for an id) and checks its table', async (collection, s) => {
    const r = await api('GET', `/api/${collection}/health`, { as: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ service: s, status: 'ok', checks: { table: { status: 'ACTIVE' } } });
  });
});

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev &&
      v &&
      typeof prev === 'object' &&
      typeof v === 'object' &&
      !Array.isArray(prev) &&
      !Array.isArray(v)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
