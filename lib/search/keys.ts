/**
 * Key design of the search index table (`_search_index`, partition `pk`, sort `sk`), pure:
 *
 *   word rows   pk `w#<first 2 chars of term>`   sk `<term>#<type>#<id>`
 *               exact: Query begins_with(sk, `<q>#`); prefix: Query begins_with(sk, `<q>`)
 *   typo rows   pk `d#<key>`                      sk `<type>#<id>#<term>`
 *               one row per key of the term's deletion neighbourhood (terms ≥ 3 chars);
 *               a query term (≥ 4 chars) reads the partitions of its own neighbourhood
 *   doc row     pk `doc#<type>#<id>`              sk `doc`
 *               the entity's current rank version and the keys of its rows (to replace them)
 *
 * Every posting row repeats what a hit shows and filters on (title, state, owner, tags,
 * features, updated_at, rank version), so a query never reads the entity tables.
 */
import type { SearchDoc, SearchSummary } from './fields.ts';
import { MIN_INDEXED_TYPO_LENGTH, MIN_PREFIX_LENGTH, MIN_QUERY_TYPO_LENGTH, neighbourhood } from './text.ts';

export interface RowKey {
  pk: string;
  sk: string;
}

export interface PostingRow extends RowKey, SearchSummary {
  term: string;
  from: 'text' | 'tag';
}

export const DOC_SK = 'doc';
export const docKey = (entityType: string, id: string): RowKey => ({
  pk: `doc#${entityType}#${id}`,
  sk: DOC_SK,
});
export const wordPartition = (term: string): string => `w#${[...term].slice(0, MIN_PREFIX_LENGTH).join('')}`;
export const typoPartition = (key: string): string => `d#${key}`;

/** Every posting row of an entity (none for a deleted one). */
export function postingRows(doc: SearchDoc): PostingRow[] {
  if (doc.deleted) return [];
  const base = {
    entity_type: doc.entity_type,
    id: doc.id,
    rv: doc.rv,
    title: doc.title,
    state: doc.state,
    owner_id: doc.owner_id,
    tags: doc.tags,
    features: doc.features,
    updated_at: doc.updated_at,
  };
  const rows: PostingRow[] = [];
  for (const { term, from } of doc.terms) {
    rows.push({ pk: wordPartition(term), sk: `${term}#${doc.entity_type}#${doc.id}`, term, from, ...base });
    if ([...term].length < MIN_INDEXED_TYPO_LENGTH) continue;
    for (const k of neighbourhood(term))
      rows.push({ pk: typoPartition(k), sk: `${doc.entity_type}#${doc.id}#${term}`, term, from, ...base });
  }
  return rows;
}

export const keyString = (k: RowKey): string => `${k.pk}\u0000${k.sk}`;

/** One Query of the read plan of a query term. */
export interface KeyQuery {
  pk: string;
  /** `begins_with(sk, …)`, when set. */
  skPrefix?: string;
  /** How rows found here match: by the word partition (exact or prefix) or the typo partition. */
  via: 'word' | 'typo';
}

/** The Queries that find a query term's exact, prefix and one-typo matches. */
export function queryPlan(q: string): KeyQuery[] {
  const len = [...q].length;
  const plan: KeyQuery[] = [
    { pk: wordPartition(q), skPrefix: len >= MIN_PREFIX_LENGTH ? q : `${q}#`, via: 'word' },
  ];
  if (len >= MIN_QUERY_TYPO_LENGTH) {
    for (const k of neighbourhood(q)) plan.push({ pk: typoPartition(k), via: 'typo' });
  }
  return plan;
}
