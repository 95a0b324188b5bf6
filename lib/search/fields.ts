/**
 * What the search index covers: per entity type, the fields whose words are indexed (the
 * first one is the hit's title), plus every entity's metadata `tags`. Long free text
 * (descriptions, bodies) is deliberately not indexed: titles and names keep the index
 * small (about L + 2 rows per word of length L) and the ranking meaningful.
 * Each service declares its fields in the registry (`searchFields`); the search service consumes
 * exactly these types' events (both derived in lib/registry/domain.ts).
 */
import type { EventEnvelope } from '../events/envelope.ts';
import { SEARCH_FIELDS } from '../registry/index.ts';
import { MAX_TERMS_PER_ENTITY, tokenize } from './text.ts';

export { SEARCH_FIELDS, SEARCHABLE_TYPES } from '../registry/index.ts';

/** What a hit shows and a search filters on: every posting row repeats it. */
export interface SearchSummary {
  entity_type: string;
  id: string;
  /** Rank version: `2 × entity version`, `+ 1` for a deletion (a delete wins over the update of the same version). */
  rv: number;
  title: string;
  state: string;
  owner_id: string;
  tags: string[];
  features: string[];
  updated_at: string;
}

/** An entity as the index sees it. */
export interface SearchDoc extends SearchSummary {
  deleted: boolean;
  /** Indexed terms with the field kind they came from (title words before tags). */
  terms: Array<{ term: string; from: 'text' | 'tag' }>;
}

const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The index's view of an entity event (undefined: not a searchable type or not an entity change). */
export function docOf(e: EventEnvelope): SearchDoc | undefined {
  const fieldsOf = SEARCH_FIELDS[e.entity.type];
  if (!fieldsOf) return undefined;
  const deleted = e.type === `${e.entity.type}.deleted`;
  const fields = (e.payload?.fields ?? {}) as Record<string, unknown>;
  if (!deleted && typeof e.payload?.fields !== 'object') return undefined;
  const tags = strings(e.metadata?.tags);
  const texts = fieldsOf.flatMap((f) => strings(fields[f]));
  const seen = new Set<string>();
  const terms: SearchDoc['terms'] = [];
  const add = (term: string, from: 'text' | 'tag') => {
    if (seen.has(term) || terms.length >= MAX_TERMS_PER_ENTITY) return;
    seen.add(term);
    terms.push({ term, from });
  };
  for (const t of texts) for (const term of tokenize(t)) add(term, 'text');
  for (const t of tags) for (const term of tokenize(t)) add(term, 'tag');
  return {
    entity_type: e.entity.type,
    id: e.entity.id,
    rv: e.entity.version * 2 + (deleted ? 1 : 0),
    deleted,
    title: texts[0] ?? e.entity.id,
    state: typeof e.payload?.state === 'string' ? e.payload.state : String(fields.state ?? 'active'),
    owner_id: String(fields.owner_id ?? ''),
    tags,
    features: strings(e.metadata?.features),
    updated_at: String(fields.updated_at ?? e.occurred_at),
    terms: deleted ? [] : terms,
  };
}
