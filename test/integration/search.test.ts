/**
 * Search end to end: entities of two types are indexed from their Nexus events and found by
 * prefix and with one typo; filters, visibility, updates, deletions and bad input.
 */
import { describe, expect, it } from 'vitest';
import { api, eventually } from './support/client.ts';

interface Hit {
  entity_type: string;
  id: string;
  title: string;
  score: number;
  matches: Array<{ query: string; term: string; kind: string }>;
}
type Result = { items: Hit[]; query: { terms: string[] } };

/** A word nobody else indexes: 9 random lower-case letters. */
const word = () =>
  Array.from({ length: 9 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const search = (qs: string, as: 'admin' | 'user' = 'admin') =>
  api<Result>('GET', `/api/search?${qs}`, { as });
const ids = (r: { body: Result }) => r.body.items.map((h) => h.id).sort();

/** Poll a search until `ok` holds (the index follows the bus, asynchronously). */
const until = (qs: string, ok: (r: Result) => boolean, what: string) =>
  eventually(
    async () => {
      const r = await search(qs);
      return r.status === 200 && ok(r.body) ? r : undefined;
    },
    30_000,
    what,
  );

describe('search', () => {
  it('finds a campaign and a content item by prefix and with one typo, with filters', async () => {
    const w = word();
    const camp = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: `${w} Festival`, metadata: { tags: ['outdoor'], features: ['waitlist'] } },
    });
    const post = await api<{ id: string }>('POST', '/api/content', {
      body: { title: `${w}ian chronicles`, kind: 'article', metadata: { tags: ['outdoor'] } },
    });
    expect(camp.status, camp.text).toBe(201);
    expect(post.status, post.text).toBe(201);
    const both = [camp.body.id, post.body.id].sort();

    // Prefix: the first 5 letters find both types.
    const prefix = await until(`q=${w.slice(0, 5)}`, (r) => r.items.length >= 2, 'both entities by prefix');
    expect(ids(prefix)).toEqual(both);
    expect(new Set(prefix.body.items.map((h) => h.entity_type))).toEqual(new Set(['campaign', 'content']));
    expect(prefix.body.items.every((h) => h.matches[0]?.kind === 'prefix')).toBe(true);

    // The whole word: the campaign matches exactly (ranked first), the content by prefix.
    const exact = await search(`q=${w}`);
    expect(exact.body.items.map((h) => [h.id, h.matches[0]?.kind])).toEqual([
      [camp.body.id, 'exact'],
      [post.body.id, 'prefix'],
    ]);

    // One typo (a substituted letter): the campaign's word is one edit away.
    const sub = `${w.slice(0, 4)}${w[4] === 'z' ? 'y' : 'z'}${w.slice(5)}`;
    const typo = await search(`q=${sub}`);
    expect(typo.status, typo.text).toBe(200);
    expect(typo.body.items.map((h) => [h.id, h.matches[0]?.kind, h.matches[0]?.term])).toEqual([
      [camp.body.id, 'typo', w],
    ]);
    // One typo (two neighbours swapped) in the content's word, plus a second word (AND).
    const swapped = `${w}ain`;
    const typo2 = await search(`q=${encodeURIComponent(`${swapped} chron`)}`);
    expect(typo2.body.items.map((h) => [h.id, h.matches.map((m) => m.kind)])).toEqual([
      [post.body.id, ['typo', 'prefix']],
    ]);

    // Filters: type, tag, feature.
    expect(ids(await search(`q=${w}&type=content`))).toEqual([post.body.id]);
    expect(ids(await search(`q=${w}&type=campaign,content&tag=outdoor`))).toEqual(both);
    expect(ids(await search(`q=${w}&feature=waitlist`))).toEqual([camp.body.id]);

    // A user (policy self+admin by default) sees only their own entities.
    expect((await search(`q=${w}`, 'user')).body.items).toEqual([]);

    // Kept current: a renamed content item and a deleted campaign.
    const w2 = word();
    expect(
      (await api('PATCH', `/api/content/${post.body.id}`, { body: { title: `${w2} almanac` } })).status,
    ).toBe(200);
    expect((await api('DELETE', `/api/campaigns/${camp.body.id}`)).status).toBe(204);
    await until(`q=${w2}`, (r) => r.items.length === 1, 'the new title indexed');
    const gone = await until(
      `q=${w}`,
      (r) => r.items.length === 0,
      'old words and the deleted campaign gone',
    );
    expect(gone.body.items).toEqual([]);
    await api('DELETE', `/api/content/${post.body.id}`);
  });

  it('refuses an empty or too long query, or one with no words (400)', async () => {
    for (const qs of [
      'q=',
      'q=%20%20',
      `q=${'x'.repeat(129)}`,
      'q=%21%21%21',
      'q=ok&type=order',
      'q=ok&limit=0',
    ]) {
      const r = await search(qs);
      expect(r.status, qs).toBe(400);
      expect((r.body as unknown as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });

  it('without q, GET /api/search is still the saved-search list of the contract', async () => {
    const saved = await api<{ id: string }>('POST', '/api/search', { body: { q: 'festival' } });
    expect(saved.status, saved.text).toBe(201);
    const list = await api<{ items: Array<{ id: string }>; next_cursor: string | null }>(
      'GET',
      '/api/search?limit=100',
    );
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((i) => i.id)).toContain(saved.body.id);
    await api('DELETE', `/api/search/${saved.body.id}`);
  });
});
