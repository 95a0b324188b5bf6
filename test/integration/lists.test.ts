/**
 * Lists by tag, feature and state return exactly the matching entities across pages, through
 * indexes; the sparse "active broadcast" index holds only broadcasting campaigns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/client.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const TAG = `lists-${run}`;
const FEATURE = `feat-${run}`;
const ids = {
  tagged: [] as string[],
  featured: [] as string[],
  archived: [] as string[],
  broadcast: [] as string[],
  quiet: [] as string[],
};

type Page = { items: Array<{ id: string }>; next_cursor: string | null };

async function collect(query: string, limit = 2): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const r: { status: number; text: string; body: Page } = await api<Page>(
      'GET',
      `/api/campaigns?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...r.body.items.map((i) => i.id));
    cursor = r.body.next_cursor;
    if (!cursor) return seen;
  }
  throw new Error('too many pages');
}

async function make(metadata: Record<string, unknown>, state?: string): Promise<string> {
  const r = await api<{ id: string }>('POST', '/api/campaigns', {
    body: { name: `L ${run}`, ...(state ? { state } : {}), metadata },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

beforeAll(async () => {
  for (let i = 0; i < 5; i++) {
    const withFeature = i % 2 === 0;
    const id = await make({ tags: [TAG], features: withFeature ? [FEATURE] : [] });
    ids.tagged.push(id);
    if (withFeature) ids.featured.push(id);
  }
  for (let i = 0; i < 2; i++) ids.archived.push(await make({ tags: [TAG], features: [FEATURE] }, 'archived'));
  ids.featured.push(await make({ features: [FEATURE] }));
  ids.broadcast.push(await make({ tags: [TAG, 'b'], features: ['broadcast'], scheduling: { frequency: 5 } }));
  ids.tagged.push(ids.broadcast[0]!);
  ids.quiet.push(
    await make({
      features: ['broadcast'],
      scheduling: { frequency: 2 },
      service_specific: { campaign: { broadcast_enabled: false } },
    }),
  );
});

describe('index-backed lists', () => {
  it('by tag: exactly the active tagged campaigns, across pages, newest first', async () => {
    const seen = await collect(`tag=${TAG}`);
    expect(seen).toEqual([...ids.tagged].reverse());
  });

  it('by feature', async () => {
    expect((await collect(`feature=${FEATURE}`)).sort()).toEqual([...ids.featured].sort());
  });

  it('by tag and feature together', async () => {
    const both = ids.tagged.filter((id) => ids.featured.includes(id));
    expect((await collect(`tag=${TAG}&feature=${FEATURE}`, 1)).sort()).toEqual(both.sort());
  });

  it('by state', async () => {
    expect((await collect(`tag=${TAG}&state=archived`)).sort()).toEqual([...ids.archived].sort());
    const archived = await collect('state=archived', 50);
    expect(archived).toEqual(expect.arrayContaining(ids.archived));
    expect(archived).not.toEqual(expect.arrayContaining([ids.tagged[0]]));
  });

  it('moves an entity between tag lists when its tags change', async () => {
    const id = ids.tagged[1]!;
    const r = await api('PATCH', `/api/campaigns/${id}`, { body: { metadata: { tags: [`moved-${run}`] } } });
    expect(r.status, r.text).toBe(200);
    expect(await collect(`tag=${TAG}`)).not.toContain(id);
    expect(await collect(`tag=moved-${run}`)).toEqual([id]);
    const back = await api('PATCH', `/api/campaigns/${id}`, { body: { metadata: { tags: [TAG] } } });
    expect(back.status).toBe(200);
  });

  it('active broadcasts come from the sparse index: feature broadcast, frequency > 0, enabled', async () => {
    const seen = await collect('broadcasting=true', 50);
    expect(seen).toEqual(expect.arrayContaining(ids.broadcast));
    for (const id of [...ids.quiet, ...ids.featured, ...ids.archived]) expect(seen).not.toContain(id);
  });
});
