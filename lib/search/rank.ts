/**
 * Ranking (pure). Each query term matches an indexed term of an entity in one of three
 * ways, scored: exact 3 > prefix 2 > one typo 1 (only the best per query term counts).
 * An entity is a hit when EVERY query term matches (AND); its score is the sum. Ties:
 * most recently updated first, then id. Documented in docs/search.md.
 */
import type { PostingRow } from './keys.ts';
import { withinOneEdit } from './text.ts';

export type MatchKind = 'exact' | 'prefix' | 'typo';
export const KIND_SCORE: Readonly<Record<MatchKind, number>> = { exact: 3, prefix: 2, typo: 1 };

/** How an indexed term matches query term `q` (undefined: it does not). */
export function classify(q: string, term: string, via: 'word' | 'typo'): MatchKind | undefined {
  if (term === q) return 'exact';
  if (via === 'word') return term.startsWith(q) ? 'prefix' : undefined;
  return withinOneEdit(q, term) ? 'typo' : undefined;
}

export interface Hit {
  entity_type: string;
  id: string;
  title: string;
  state: string;
  owner_id: string;
  tags: string[];
  features: string[];
  updated_at: string;
  rv: number;
  score: number;
  matches: Array<{ query: string; term: string; kind: MatchKind }>;
}

const entityKey = (r: { entity_type: string; id: string }) => `${r.entity_type}#${r.id}`;

/**
 * Rank candidates: `found[i]` holds the rows read for query term `terms[i]` (with how they
 * were read). Returns every hit, best first.
 */
export function rank(
  terms: readonly string[],
  found: ReadonlyArray<ReadonlyArray<{ row: PostingRow; via: 'word' | 'typo' }>>,
): Hit[] {
  const hits = new Map<string, Hit>();
  const best: Array<Map<string, { term: string; kind: MatchKind }>> = terms.map(() => new Map());
  terms.forEach((q, i) => {
    for (const { row, via } of found[i] ?? []) {
      const kind = classify(q, row.term, via);
      if (!kind) continue;
      const key = entityKey(row);
      const prev = best[i]?.get(key);
      if (!prev || KIND_SCORE[kind] > KIND_SCORE[prev.kind]) best[i]?.set(key, { term: row.term, kind });
      const hit = hits.get(key);
      // Keep the attributes of the newest rank version seen (stale rows are dropped later).
      if (!hit || row.rv > hit.rv) {
        const { pk: _pk, sk: _sk, term: _t, from: _f, ...attrs } = row;
        hits.set(key, { ...attrs, score: 0, matches: [] });
      }
    }
  });
  const out: Hit[] = [];
  for (const [key, hit] of hits) {
    const perTerm = best.map((m) => m.get(key));
    if (perTerm.some((m) => m === undefined)) continue; // AND: every query term must match
    hit.matches = perTerm.map((m, i) => ({
      query: terms[i] ?? '',
      term: m?.term ?? '',
      kind: m?.kind ?? 'typo',
    }));
    hit.score = hit.matches.reduce((s, m) => s + KIND_SCORE[m.kind], 0);
    out.push(hit);
  }
  return out.sort(
    (a, b) =>
      b.score - a.score ||
      (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
