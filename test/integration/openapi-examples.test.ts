/**
 * Every request example of the OpenAPI document (generated from lib/registry) is accepted by the
 * deployed stack: sent as an admin, with path parameters filled from entities created first.
 */
import { describe, expect, it } from 'vitest';
import { allRoutes, routeKey } from '../../lib/registry/index.ts';
import { api, eventually } from './support/client.ts';

const withExamples = allRoutes().filter((r) => r.example !== undefined);

/** A completed migration of a record made for the purpose (what a rollback takes). */
async function completedMigration(): Promise<string> {
  const tag = `example-rb-${Date.now().toString(36)}`;
  const put = await api('PUT', `/api/metadata/config/${tag}`, { body: { namespace: tag, metadata: {} } });
  expect(put.status, put.text).toBe(201);
  const started = await api('POST', '/api/metadata/migrations', {
    body: {
      id: tag,
      filter: { type: 'config', namespace: tag },
      operations: [{ op: 'set', path: 'metadata.custom_rules.reviewed', value: true }],
    },
  });
  expect(started.status, started.text).toBe(202);
  await eventually(
    async () => {
      const r = await api<{ status: string }>('GET', `/api/metadata/migrations/${tag}`);
      return r.body.status === 'completed' ? r : undefined;
    },
    30_000,
    `migration ${tag} completed`,
  );
  return tag;
}

/**
 * A confirmation token as `POST /api/converse` issues it (the example of `/confirm` can only
 * describe one): a cancel proposed for an intent made for the purpose.
 */
async function confirmationToken(): Promise<string> {
  const made = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: 'confirm target' } });
  expect(made.status, made.text).toBe(201);
  const intent = await api('POST', '/api/scheduler/intents', {
    body: {
      action: 'archive',
      run_at: new Date(Date.now() + 3_600_000).toISOString(),
      pattern: 'example-confirm',
      cancel_on: ['campaign.extended'],
      entity: { type: 'campaign', id: made.body.id },
    },
  });
  expect(intent.status, intent.text).toBe(202);
  return eventually(
    async () => {
      const a = await api<{ actions?: Array<{ confirmation_token: string }> }>('POST', '/api/converse', {
        body: { text: `cancel the example-confirm of campaign ${made.body.id}` },
      });
      return a.body.actions?.[0]?.confirmation_token;
    },
    30_000,
    'a cancel proposed by POST /api/converse',
  );
}

/** Values for path parameters: ids of entities made for the purpose, fixed keys elsewhere. */
async function pathFor(path: string): Promise<string> {
  if (!path.includes('{')) return path;
  if (path === '/api/metadata/migrations/{id}/rollback')
    return `/api/metadata/migrations/${await completedMigration()}/rollback`;
  if (path.startsWith('/api/policies/')) return '/api/policies/user/test/examples';
  if (path.startsWith('/api/metadata/')) return `/api/metadata/config/example-${Date.now().toString(36)}`;
  const collection = path.replace(/\/\{id\}.*$/, '');
  const create = allRoutes().find((r) => r.method === 'POST' && r.path === collection);
  const made = await api<{ id: string }>('POST', collection, {
    body: await withTarget(collection, create?.example ?? { name: `example ${Date.now()}` }),
  });
  expect([200, 201, 202], made.text).toContain(made.status);
  return path.replace('{id}', made.body.id);
}

/** An intent's entity must exist: the example's campaign, made first (any other body as it is). */
async function withTarget(path: string, example: unknown): Promise<unknown> {
  if (path !== '/api/scheduler/intents') return example;
  const made = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: 'intent target' } });
  const ex = example as { entity: { type: string; id: string } };
  return { ...ex, entity: { ...ex.entity, id: made.body.id } };
}

describe('OpenAPI request examples', () => {
  it.each(withExamples.map((r) => [routeKey(r), r] as const))('%s accepts its example', async (_k, r) => {
    let body = await withTarget(r.path, r.example);
    if (r.path === '/api/converse/confirm') body = { token: await confirmationToken() };
    const res = await api(r.method, await pathFor(r.path), { body });
    expect(res.status, res.text).toBeGreaterThanOrEqual(200);
    expect(res.status, res.text).toBeLessThan(300);
  });
});
