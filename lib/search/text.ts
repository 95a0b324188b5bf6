/**
 * Text processing of the search index (pure): tokenizing, the deletion neighbourhood used
 * for one-typo matching (SymSpell), and the edit distance that confirms a candidate.
 */

/** Longest term kept and the tokenizer: shared with the route's query (./contract.ts). */
export { MAX_TERM_LENGTH, tokenize } from './contract.ts';

/** Terms indexed per entity, at most. */
export const MAX_TERMS_PER_ENTITY = 32;
/** Indexed terms at least this long get deletion rows (typo tolerance). */
export const MIN_INDEXED_TYPO_LENGTH = 3;
/** Query terms at least this long are matched with one typo. */
export const MIN_QUERY_TYPO_LENGTH = 4;
/** Query terms at least this long are matched as prefixes. */
export const MIN_PREFIX_LENGTH = 2;

/** Every string obtained by deleting exactly one character of `term` (distinct, in order). */
export function deletions(term: string): string[] {
  const chars = [...term];
  const out = new Set<string>();
  for (let i = 0; i < chars.length; i++) out.add([...chars.slice(0, i), ...chars.slice(i + 1)].join(''));
  return [...out];
}

/**
 * The deletion-neighbourhood keys of an indexed term: the term itself and its one-character
 * deletions. Two terms are within one edit (insert, delete, substitute, or swap of
 * neighbours) only if their neighbourhoods share a key; sharing a key does not prove it
 * (`ab`/`bc` share `b`), so candidates are confirmed with {@link withinOneEdit}.
 */
export function neighbourhood(term: string): string[] {
  return [...new Set([term, ...deletions(term)])];
}

/**
 * True when `a` and `b` differ by at most one edit: insertion, deletion, substitution, or
 * transposition of two adjacent characters (optimal string alignment distance ≤ 1).
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 1) return false;
  if (x.length === y.length) {
    const diff: number[] = [];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff.push(i);
    if (diff.length === 1) return true;
    const [i, j] = diff;
    return diff.length === 2 && i !== undefined && j === i + 1 && x[i] === y[j] && x[j] === y[i];
  }
  const [long, short] = x.length > y.length ? [x, y] : [y, x];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  for (let k = i; k < short.length; k++) if (short[k] !== long[k + 1]) return false;
  return true;
}
