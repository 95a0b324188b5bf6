/**
 * Ranking (pure). Each query term matches an indexed term of an entity in one of three
 * ways, scored: exact 3 > prefix 2 > one typo 1 (only the best per query term counts).
 * An entity is a hit when EVERY query term matches (AND); its score is the sum. Ties:
 * most recently updated first, then id. Documented in docs/search.md.
 */
import type { SearchSummary } from './fields.ts';
import type { PostingRow } from './keys.ts';
import { MIN_INDEXED_TYPO_LENGTH, MIN_PREFIX_LENGTH, MIN_QUERY_TYPO_LENGTH, withinOneEdit } from './text.ts';

export type MatchKind = 'exact' | 'prefix' | 'typo';
export const KIND_SCORE: Readonly<Record<MatchKind, number>> = { exact: 3, prefix: 2, typo: 1 };

/** How an indexed term matches query term `q` (undefined: it does not). */
export function classify(q: string, term: string, via: 'word' | 'typo'): MatchKind | undefined {
  if (term === q) return 'exact';
  if (via === 'word') return term.startsWith(q) ? 'prefix' : undefined;
  return withinOneEdit(q, term) ? 'typo' : undefined;
}

/**
 * The best match of `q` among an entity's indexed `terms`, under the same length rules as the
 * index's read plan (prefix from 2 characters, typo from 4, against words of 3 or more).
 */
export function bestMatch(
  q: string,
  terms: readonly string[],
): { term: string; kind: MatchKind } | undefined {
  const qLen = [...q].length;
  let best: { term: string; kind: MatchKind } | undefined;
  for (const term of terms) {
    let kind: MatchKind | undefined;
    if (term === q) kind = 'exact';
    else if (qLen >= MIN_PREFIX_LENGTH && term.startsWith(q)) kind = 'prefix';
    else if (
      qLen >= MIN_QUERY_TYPO_LENGTH &&
      [...term].length >= MIN_INDEXED_TYPO_LENGTH &&
      withinOneEdit(q, term)
    )
      kind = 'typo';
    if (kind && (!best || KIND_SCORE[kind] > KIND_SCORE[best.kind])) best = { term, kind };
  }
  return best;
}

export interface Match {
  query: string;
  term: string;
  kind: MatchKind;
}

export interface Hit extends SearchSummary {
  score: number;
  matches: Match[];
  /** Query terms not yet matched because their read was cut (see `rank`'s `pending`); resolved from the doc row. */
  pending?: number[];
}

const entityKey = (r: { entity_type: string; id: string }) => `${r.entity_type}#${r.id}`;

/** Best first: score, then most recently updated, then id. */
export const byRank = (a: Hit, b: Hit): number =>
  b.score - a.score ||
  (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Rank candidates: `found[i]` holds the rows read for query term `terms[i]` (with how they
 * were read). Returns every hit, best first. A term in `pending` had its read cut short: a
 * candidate lacking a match for it is kept with the term listed in `hit.pending` (to be
 * resolved against the entity's full term list), not dropped.
 */
export function rank(
  terms: readonly string[],
  found: ReadonlyArray<ReadonlyArray<{ row: PostingRow; via: 'word' | 'typo' }>>,
  pending: ReadonlySet<number> = new Set(),
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
    const open = perTerm.flatMap((m, i) => (m === undefined ? [i] : []));
    if (open.some((i) => !pending.has(i))) continue; // AND: every query term must match
    if (open.length === terms.length) continue; // at least one term actually matched
    hit.matches = perTerm.flatMap((m, i) =>
      m ? [{ query: terms[i] ?? '', term: m.term, kind: m.kind }] : [],
    );
    hit.score = hit.matches.reduce((s, m) => s + KIND_SCORE[m.kind], 0);
    if (open.length) hit.pending = open;
    out.push(hit);
  }
  return out.sort(byRank);
}

/**
 * Resolve a hit's pending terms against the entity's indexed terms: the completed hit, or
 * undefined when a pending term does not match (the entity is not a hit after all).
 */
export function resolvePending(
  hit: Hit,
  queryTerms: readonly string[],
  entityTerms: readonly string[],
): Hit | undefined {
  if (!hit.pending?.length) return hit;
  const added: Match[] = [];
  for (const i of hit.pending) {
    const q = queryTerms[i] ?? '';
    const m = bestMatch(q, entityTerms);
    if (!m) return undefined;
    added.push({ query: q, ...m });
  }
  const matches = [...hit.matches, ...added].sort(
    (a, b) => queryTerms.indexOf(a.query) - queryTerms.indexOf(b.query),
  );
  const { pending: _p, ...rest } = hit;
  return { ...rest, matches, score: matches.reduce((s, m) => s + KIND_SCORE[m.kind], 0) };
}
