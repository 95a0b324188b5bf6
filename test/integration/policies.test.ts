/**
 * The policy matrix at runtime: each dimension changed through /api/policies and observed in
 * responses within the cache TTL, without redeploy; self+admin isolation between two users.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, masterRow } from './support/client.ts';
import { tokenFor } from './support/tokens.ts';

const ENV = 'dev';
const ROW = `/api/policies/admin/${ENV}/talent`;
const u = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const base = { retention: 'forever', access: 'full', validation: 'strict', exposure: 'full' };

async function setPolicy(p: Partial<typeof base>): Promise<void> {
  const r = await api('PUT', ROW, { body: { ...base, ...p } });
  expect(r.status, r.text).toBe(200);
}

async function talent(metadata: Record<string, unknown> = { tags: ['p'], custom_rules: { secret: 1 } }) {
  const r = await api<{ id: string }>('POST', '/api/talent', {
    body: { display_name: `T ${u()}`, metadata },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

/** Remove the test row and wait (cache TTL) until every Lambda instance is back to the default. */
afterEach(async () => {
  await api('DELETE', ROW);
  await eventually(
    async () => {
      const ok = await api<{ metadata?: { custom_rules?: unknown } }>('POST', '/api/talent', {
        body: { display_name: 'probe', metadata: { custom_rules: { probe: 1 } } },
      });
      const strict = await api('POST', '/api/talent', {
        body: { display_name: 'probe', metadata: { mood: 1 } },
      });
      return ok.status === 201 && ok.body.metadata?.custom_rules && strict.status === 400 ? true : undefined;
    },
    20_000,
    'the default policy to apply again',
  );
});

describe('policies API', () => {
  it('is admin only and validates rows (400 naming the field)', async () => {
    expect((await api('GET', '/api/policies', { as: 'user' })).status).toBe(403);
    expect((await api('PUT', ROW, { as: 'service', body: base })).status).toBe(403);
    const bad = await api<{ error: { details: { issues: Array<{ path: string }> } } }>('PUT', ROW, {
      body: { ...base, retention: 'ninety days', access: 'everyone' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i) => i.path).sort()).toEqual(['access', 'retention']);
    expect((await api('PUT', '/api/policies/root/dev/talent', { body: base })).status).toBe(400);
  });

  it('lists the seed rows of the contract', async () => {
    const prod = await api<{ items: Array<{ id: string; retention: string }> }>(
      'GET',
      '/api/policies?environment=prod',
    );
    expect(prod.status, prod.text).toBe(200);
    expect(prod.body.items.map((i) => i.id).sort()).toEqual(['admin/prod/orchestration', 'user/prod/user']);
    const dev = await api<{ items: Array<{ id: string; access: string }> }>(
      'GET',
      '/api/policies?environment=dev',
    );
    expect(dev.body.items).toContainEqual(
      expect.objectContaining({ id: 'service/dev/analytics', access: 'internal' }),
    );
  });
});

describe('each policy dimension applies at runtime', () => {
  it('validation: strict rejects an unknown metadata key, lenient keeps it', async () => {
    const body = { display_name: 'V', metadata: { mood: 'happy' } };
    expect((await api('POST', '/api/talent', { body })).status).toBe(400);
    await setPolicy({ validation: 'lenient' });
    const created = await eventually(
      async () => {
        const r = await api<{ metadata: Record<string, unknown> }>('POST', '/api/talent', { body });
        return r.status === 201 ? r : undefined;
      },
      20_000,
      'lenient validation to apply',
    );
    expect(created.body.metadata.mood).toBe('happy');
  });

  it('access: internal lets only the service role in (403 naming the rule)', async () => {
    const id = await talent();
    await setPolicy({ access: 'internal' });
    const denied = await eventually(
      async () => {
        const r = await api<{ error: { details: { rule: string } } }>('GET', `/api/talent/${id}`);
        return r.status === 403 ? r : undefined;
      },
      20_000,
      'internal access to apply',
    );
    expect(denied.body.error.details.rule).toBe(`policy:admin/${ENV}/talent:access=internal`);
    expect((await api('GET', `/api/talent/${id}`, { as: 'service' })).status).toBe(200);
  });

  it('exposure: none hides metadata, summary shows the documented subset, full shows all', async () => {
    const id = await talent({ tags: ['x'], features: ['f'], custom_rules: { secret: 1 } });
    await setPolicy({ exposure: 'none' });
    await eventually(
      async () => {
        const r = await api<Record<string, unknown>>('GET', `/api/talent/${id}`);
        return r.status === 200 && !('metadata' in r.body) ? r : undefined;
      },
      20_000,
      'exposure none',
    );
    await setPolicy({ exposure: 'summary' });
    const summary = await eventually(
      async () => {
        const r = await api<{ metadata?: Record<string, unknown> }>('GET', `/api/talent/${id}`);
        return r.body.metadata ? r : undefined;
      },
      20_000,
      'exposure summary',
    );
    expect(summary.body.metadata).toEqual({ tags: ['x'], features: ['f'] });
    await setPolicy({ exposure: 'full' });
    const full = await eventually(
      async () => {
        const r = await api<{ metadata?: Record<string, unknown> }>('GET', `/api/talent/${id}`);
        return r.body.metadata?.custom_rules ? r : undefined;
      },
      20_000,
      'exposure full',
    );
    expect(full.body.metadata?.custom_rules).toEqual({ secret: 1 });
  });

  it('retention: recorded on the master row of new entities', async () => {
    await setPolicy({ retention: 'P30D' });
    const master = await eventually(
      async () => {
        const id = await talent();
        const m = await masterRow('talent', id);
        return (m?.policy as { retention?: string } | undefined)?.retention === 'P30D' ? m : undefined;
      },
      20_000,
      'retention P30D on the master row',
    );
    expect(master.policy).toMatchObject({ retention: 'P30D', source: `admin/${ENV}/talent` });
  });
});

describe('self+admin (the default for users)', () => {
  it('isolates two users; admins see all', async () => {
    const [a, b] = await Promise.all(
      ['a', 'b'].map(async (n) => {
        const r = await api<{ id: string }>('POST', '/api/users', {
          body: { email: `${n}${u()}@example.com`, username: `iso_${n}_${u()}` },
        });
        expect(r.status, r.text).toBe(201);
        return { id: r.body.id, token: await tokenFor(r.body.id, 'user') };
      }),
    );
    if (!a || !b) throw new Error('users not created');
    expect((await api('GET', `/api/users/${a.id}`, { token: a.token })).status).toBe(200);
    const cross = await api<{ error: { details: { rule: string } } }>('GET', `/api/users/${b.id}`, {
      token: a.token,
    });
    expect(cross.status).toBe(403);
    expect(cross.body.error.details.rule).toMatch(/access=self\+admin/);
    expect(
      (await api('PATCH', `/api/users/${b.id}`, { token: a.token, body: { display_name: 'x' } })).status,
    ).toBe(403);
    expect(
      (await api('PATCH', `/api/users/${a.id}`, { token: a.token, body: { display_name: 'Me' } })).status,
    ).toBe(200);

    const tag = `iso-${u()}`;
    for (const who of [a, b]) {
      const r = await api('POST', '/api/content', {
        token: who.token,
        body: { title: 't', kind: 'micro_post', metadata: { tags: [tag] } },
      });
      expect(r.status, r.text).toBe(201);
    }
    const mine = await api<{ items: Array<{ owner_id: string }> }>('GET', `/api/content?tag=${tag}`, {
      token: a.token,
    });
    expect(mine.body.items.map((i) => i.owner_id)).toEqual([a.id]);
    const own = await api<{ items: Array<{ owner_id: string }> }>('GET', '/api/content?limit=100', {
      token: b.token,
    });
    expect(new Set(own.body.items.map((i) => i.owner_id))).toEqual(new Set([b.id]));
    const all = await api<{ items: Array<{ owner_id: string }> }>('GET', `/api/content?tag=${tag}`);
    expect(all.body.items.map((i) => i.owner_id).sort()).toEqual([a.id, b.id].sort());
  });
});
