import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getService, registry, serviceRoutes } from '../../../lib/registry/index.ts';
import { docOf, SEARCH_FIELDS, SEARCHABLE_TYPES, type SearchDoc } from '../../../lib/search/fields.ts';
import { docKey, postingRows, queryPlan, typoPartition, wordPartition } from '../../../lib/search/keys.ts';
import { bestMatch, classify, rank, resolvePending } from '../../../lib/search/rank.ts';
import { searchQuerySchema } from '../../../lib/search/routes.ts';
import {
  deletions,
  MAX_TERM_LENGTH,
  neighbourhood,
  tokenize,
  withinOneEdit,
} from '../../../lib/search/text.ts';
import { envelopeOf } from '../../kit/events.ts';

/** Reference: optimal string alignment distance (Levenshtein + adjacent transposition). */
function osa(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++)
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[x.length]![y.length]!;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'é'), minLength: 0, maxLength: 7 });

describe('tokenize', () => {
  it('lower-cases, strips accents, splits on anything but letters and digits, keeps first occurrences', () => {
    expect(tokenize('Été à Paris — Summer-Camp 2025, summer!')).toEqual([
      'ete',
      'a',
      'paris',
      'summer',
      'camp',
      '2025',
    ]);
    expect(tokenize('  ')).toEqual([]);
    expect(tokenize('Ünïcödé_ТЕСТ')).toEqual(['unicode', 'тест']);
  });

  it(`cuts words to ${MAX_TERM_LENGTH} characters`, () => {
    expect(tokenize('x'.repeat(40))).toEqual(['x'.repeat(MAX_TERM_LENGTH)]);
  });
});

describe('deletion neighbourhood', () => {
  it('lists each one-character deletion once, and the term itself first', () => {
    expect(deletions('camp')).toEqual(['amp', 'cmp', 'cap', 'cam']);
    expect(deletions('aab')).toEqual(['ab', 'aa']);
    expect(neighbourhood('cat')).toEqual(['cat', 'at', 'ct', 'ca']);
  });

  it('withinOneEdit agrees with the reference distance', () => {
    fc.assert(fc.property(word, word, (a, b) => withinOneEdit(a, b) === osa(a, b) <= 1));
    expect(withinOneEdit('camp', 'cmap')).toBe(true);
    expect(withinOneEdit('ab', 'bc')).toBe(false);
  });

  it('terms within one edit always share a neighbourhood key (no missed typo)', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        if (!withinOneEdit(a, b)) return true;
        const keys = new Set(neighbourhood(a));
        return neighbourhood(b).some((k) => keys.has(k));
      }),
    );
  });
});

const envelope = (
  type: string,
  entity: { type: string; id: string; version: number },
  fields: Record<string, unknown>,
  metadata = {},
) =>
  envelopeOf({
    type,
    service: 'x',
    correlationId: 'corr-12345678',
    actor: { id: 'u1', role: 'admin' },
    entity,
    metadata,
    payload: {
      fields: { id: entity.id, owner_id: 'u1', updated_at: '2026-01-02T00:00:00.000Z', ...fields },
      state: 'active',
    },
  });

describe('what gets indexed', () => {
  it('covers entity types that exist, each with fields its schema has', () => {
    for (const [type, fields] of Object.entries(SEARCH_FIELDS)) {
      const svc = registry.find((s) => s.entity === type);
      if (!svc) throw new Error(`no service owns ${type}`);
      for (const f of fields) expect(Object.keys(svc.fields.shape)).toContain(f);
    }
  });

  it('the search service consumes create/update/delete of every searchable type', () => {
    const consumes = getService('search').consumes;
    for (const t of SEARCHABLE_TYPES)
      for (const c of ['created', 'updated', 'deleted']) expect(consumes).toContain(`${t}.${c}`);
  });

  it('a campaign event becomes a doc: name and slug words, then tags; rank version 2 × version', () => {
    const d = docOf(
      envelope(
        'campaign.updated',
        { type: 'campaign', id: 'c1', version: 3 },
        { name: 'Summer Camp', slug: 'summer-camp-2026' },
        {
          tags: ['Outdoor'],
          features: ['waitlist'],
        },
      ),
    ) as SearchDoc;
    expect(d).toMatchObject({
      rv: 6,
      deleted: false,
      title: 'Summer Camp',
      tags: ['Outdoor'],
      features: ['waitlist'],
    });
    expect(d.terms).toEqual([
      { term: 'summer', from: 'text' },
      { term: 'camp', from: 'text' },
      { term: '2026', from: 'text' },
      { term: 'outdoor', from: 'tag' },
    ]);
  });

  it('a deletion outranks the update of the same version and has no terms; other types are ignored', () => {
    const del = docOf(
      envelope('campaign.deleted', { type: 'campaign', id: 'c1', version: 3 }, { name: 'x' }),
    );
    expect(del).toMatchObject({ rv: 7, deleted: true, terms: [] });
    expect(docOf(envelope('order.created', { type: 'order', id: 'o', version: 1 }, {}))).toBeUndefined();
  });
});

describe('keys', () => {
  const doc: SearchDoc = {
    entity_type: 'content',
    id: 'X1',
    rv: 2,
    deleted: false,
    title: 'Go camp',
    state: 'active',
    owner_id: 'u',
    tags: [],
    features: [],
    updated_at: '2026-01-01',
    terms: [
      { term: 'go', from: 'text' },
      { term: 'camp', from: 'text' },
    ],
  };

  it('writes one word row per term, and neighbourhood rows for terms of 3+ characters', () => {
    const rows = postingRows(doc);
    expect(rows.map((r) => `${r.pk} ${r.sk}`)).toEqual([
      'w#go go#content#X1',
      'w#ca camp#content#X1',
      ...neighbourhood('camp').map((k) => `${typoPartition(k)} content#X1#camp`),
    ]);
    expect(postingRows({ ...doc, deleted: true })).toEqual([]);
    expect(docKey('content', 'X1')).toEqual({ pk: 'doc#content#X1', sk: 'doc' });
  });

  it('reads a word partition by prefix, exact-only for one character, plus the neighbourhood from 4 characters', () => {
    expect(queryPlan('c')).toEqual([{ pk: 'w#c', skPrefix: 'c#', via: 'word' }]);
    expect(queryPlan('cam')).toEqual([{ pk: wordPartition('cam'), skPrefix: 'cam', via: 'word' }]);
    expect(queryPlan('camp').map((k) => k.pk)).toEqual(['w#ca', ...neighbourhood('camp').map(typoPartition)]);
  });
});

describe('ranking', () => {
  const row = (id: string, term: string, updated = '2026-01-01', rv = 2) => ({
    pk: '',
    sk: '',
    term,
    from: 'text' as const,
    entity_type: 'content',
    id,
    rv,
    title: id,
    state: 'active',
    owner_id: 'u',
    tags: [],
    features: [],
    updated_at: updated,
  });

  it('classifies exact, prefix and one-typo matches', () => {
    expect(classify('camp', 'camp', 'word')).toBe('exact');
    expect(classify('cam', 'camping', 'word')).toBe('prefix');
    expect(classify('camp', 'cmap', 'typo')).toBe('typo');
    expect(classify('ab', 'bc', 'typo')).toBeUndefined();
  });

  it('exact > prefix > typo, then most recent, then id; every query term must match', () => {
    const hits = rank(
      ['camp'],
      [
        [
          { row: row('typo', 'cmap', '2026-12-01'), via: 'typo' },
          { row: row('prefix', 'camping'), via: 'word' },
          { row: row('exact-old', 'camp', '2025-01-01'), via: 'word' },
          { row: row('exact-new', 'camp', '2026-01-01'), via: 'word' },
          { row: row('exact-new', 'camp', '2026-01-01'), via: 'typo' },
        ],
      ],
    );
    expect(hits.map((h) => [h.id, h.score])).toEqual([
      ['exact-new', 3],
      ['exact-old', 3],
      ['prefix', 2],
      ['typo', 1],
    ]);
    const both = rank(
      ['summer', 'camp'],
      [[{ row: row('a', 'summer'), via: 'word' }], [{ row: row('b', 'camp'), via: 'word' }]],
    );
    expect(both).toEqual([]);
  });
});

describe('terms whose reads were cut short', () => {
  const row = (id: string, term: string) => ({
    pk: '',
    sk: '',
    term,
    from: 'text' as const,
    entity_type: 'content',
    id,
    rv: 2,
    title: id,
    state: 'active',
    owner_id: 'u',
    tags: [],
    features: [],
    updated_at: '2026-01-01',
  });

  it('bestMatch follows the read plan’s rules: prefix from 2 characters, typo from 4', () => {
    expect(bestMatch('ca', ['camp', 'ca'])).toEqual({ term: 'ca', kind: 'exact' });
    expect(bestMatch('ca', ['camp'])).toEqual({ term: 'camp', kind: 'prefix' });
    expect(bestMatch('c', ['camp'])).toBeUndefined();
    expect(bestMatch('cmap', ['camp'])).toEqual({ term: 'camp', kind: 'typo' });
    expect(bestMatch('cap', ['cat'])).toBeUndefined();
  });

  it('a pending term keeps candidates of the other terms, resolved later from the entity’s terms', () => {
    const hits = rank(['summer', 'ca'], [[{ row: row('a', 'summer'), via: 'word' }], []], new Set([1]));
    expect(hits.map((h) => [h.id, h.score, h.pending])).toEqual([['a', 3, [1]]]);
    const done = resolvePending(hits[0]!, ['summer', 'ca'], ['summer', 'camp']);
    expect(done?.score).toBe(5);
    expect(done?.matches.map((m) => m.kind)).toEqual(['exact', 'prefix']);
    expect(done && 'pending' in done).toBe(false);
    expect(resolvePending(hits[0]!, ['summer', 'ca'], ['summer', 'dune'])).toBeUndefined();
    // Without the pending set, the same candidate is not a hit.
    expect(rank(['summer', 'ca'], [[{ row: row('a', 'summer'), via: 'word' }], []])).toEqual([]);
  });
});

describe('GET /api/search query', () => {
  it('refuses an empty, blank, too long or wordless q, an unknown type and a bad limit', () => {
    for (const q of [
      { q: '' },
      { q: '   ' },
      { q: 'x'.repeat(129) },
      { q: '!!!' },
      { q: 'a b c d e f g h i' },
    ])
      expect(searchQuerySchema.safeParse(q).success, JSON.stringify(q)).toBe(false);
    expect(searchQuerySchema.safeParse({ q: 'x', type: 'order' }).success).toBe(false);
    expect(searchQuerySchema.safeParse({ q: 'x', limit: '51' }).success).toBe(false);
  });

  it('accepts types as a comma list', () => {
    const r = searchQuerySchema.parse({ q: ' Summer camp ', type: 'campaign, content' });
    expect(r).toEqual({ q: { q: 'Summer camp', terms: ['summer', 'camp'] }, type: ['campaign', 'content'] });
  });
});

describe('GET /api/search declared in the registry (derived from searchFields)', () => {
  const route = serviceRoutes(getService('search')).filter(
    (r) => r.path === '/api/search' && r.method === 'GET',
  );
  const parse = (q: Record<string, string>) => route[0]?.query?.safeParse(q);

  it('is declared once: the search replaces the derived list route, keeping its rule and roles', () => {
    expect(route).toHaveLength(1);
    expect(route[0]?.rule).toBe('search.list');
    expect(route[0]?.roles).toEqual(getService('search').access.list);
  });

  it('with q parses a search, without q the collection list; a bad q never falls back to the list', () => {
    expect(parse({ q: 'Summer camp', limit: '5' })?.data).toEqual({
      mode: 'search',
      q: { q: 'Summer camp', terms: ['summer', 'camp'] },
      limit: 5,
    });
    expect(parse({ state: 'active', limit: '80' })?.data).toEqual({
      mode: 'list',
      state: 'active',
      limit: 80,
    });
    expect(parse({ q: '' })?.error?.issues.map((i) => i.path)).toEqual([['q']]);
    expect(parse({ q: 'x', limit: '80' })?.success).toBe(false);
    expect(parse({ limit: '101' })?.error?.issues.map((i) => i.path)).toEqual([['limit']]);
  });

  it('holds every parameter to its documented limits in either mode; the other mode parameters are refused, named', () => {
    const paths = (q: Record<string, string>) => parse(q)?.error?.issues.map((i) => i.path.join('.'));
    // The fuzzer's finding: without q, an over-long `type` was not read at all (200).
    expect(paths({ type: 't'.repeat(257) })).toEqual(['type']);
    expect(paths({ q: 'x', cursor: 'c'.repeat(2049) })).toEqual(['cursor']);
    expect(paths({ type: 'campaign' })).toEqual(['type']);
    expect(paths({ q: 'x', cursor: 'abc', state: 'active' })).toEqual(['state', 'cursor']);
    expect(parse({ q: 'x', type: 'campaign' })?.success).toBe(true);
  });

  it('the index fields, the searchable types and the consumed events all come from the registry', () => {
    const declared = registry.filter((s) => s.searchFields?.length);
    expect(SEARCHABLE_TYPES).toEqual(declared.map((s) => s.entity));
    for (const s of declared) expect(SEARCH_FIELDS[s.entity]).toEqual(s.searchFields);
    expect(getService('search').consumes).toContain('user.reactivated');
    expect(getService('search').consumes).not.toContain('order.created');
  });
});
