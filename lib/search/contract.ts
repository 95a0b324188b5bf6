/**
 * The search service's contract (SDK-free): `GET /api/search` and its tokenizer. Which entity
 * types the index covers comes from each service's `searchFields` (lib/registry/declared.ts
 * derives the list; the registry passes it in), and the query the route accepts — with `q` a
 * search, without it the saved-search collection's list — is parsed here, so the search Lambda's
 * handler receives typed input. `tokenize` lives here because the route's limits are counted in
 * its words; the index (lib/search/search-index.ts) uses the same function.
 */
import * as z from 'zod/mini';
import { indexKeyString } from '../limits/index.ts';
import { entitySchema, pageOf } from '../registry/responses.ts';
import { documentedAs, listQuerySchema } from '../registry/schemas.ts';
import type { Role, RouteDefinition } from '../registry/types.ts';

/** Longest term kept (longer words are cut to this length). */
export const MAX_TERM_LENGTH = 32;
export const MAX_QUERY_LENGTH = 128;
export const MAX_QUERY_TERMS = 8;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;

/**
 * Lower-case, accent-free terms of `text`, in order of first appearance, without repeats:
 * `"Été à Paris — Summer-Camp 2025"` → `['ete', 'a', 'paris', 'summer', 'camp', '2025']`.
 * A term is a run of letters and digits (any script); longer runs are cut to {@link MAX_TERM_LENGTH}.
 */
export function tokenize(text: string): string[] {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const out = new Set<string>();
  for (const m of plain.matchAll(/[\p{L}\p{N}]+/gu)) out.add(m[0].slice(0, MAX_TERM_LENGTH));
  return [...out];
}

const filterValue = indexKeyString(128).check(z.minLength(1));

/** The query of a search (`q` present) over `types`, the entity types the index covers. */
export function searchQuerySchema(types: readonly string[]) {
  return z.object({
    q: z.pipe(
      z
        .string()
        .check(
          z.trim(),
          z.minLength(1, 'must not be empty'),
          z.maxLength(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`),
        ),
      z.transform((q, ctx) => {
        const terms = tokenize(q);
        if (terms.length === 0)
          ctx.issues.push({ code: 'custom', message: 'has no letters or digits to search for', input: q });
        if (terms.length > MAX_QUERY_TERMS)
          ctx.issues.push({
            code: 'custom',
            message: `has ${terms.length} words; at most ${MAX_QUERY_TERMS}`,
            input: q,
          });
        return { q, terms };
      }),
    ),
    type: z.optional(
      z.pipe(
        z.pipe(
          z.string().check(z.maxLength(256)),
          z.transform((v) =>
            v
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ),
        z
          .array(z.enum(types as [string, ...string[]], `must be one of ${types.join(', ')}`))
          .check(z.minLength(1)),
      ),
    ),
    tag: z.optional(filterValue),
    feature: z.optional(filterValue),
    limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_SEARCH_LIMIT))),
  });
}

export type SearchQuery = z.output<ReturnType<typeof searchQuerySchema>>;
export type ListQuery = z.output<typeof listQuerySchema>;

/** What the kit hands the `GET /api/search` handler: a search or a list of saved searches. */
export type SearchRouteQuery = ({ mode: 'search' } & SearchQuery) | ({ mode: 'list' } & ListQuery);

/**
 * The query of `GET /api/search`: with `q`, {@link searchQuerySchema}; without it, the
 * collection's {@link listQuerySchema}. Every parameter of both is documented in the OpenAPI, and
 * every one the client sends is held to its documented limits, whichever mode it is in; a
 * parameter of the other mode (`type` without `q`, `cursor` with it…) is a 400 naming it, never
 * silently ignored.
 */
export function searchRouteQuerySchema(types: readonly string[]) {
  const search = searchQuerySchema(types);
  const documented = z.object({
    ...z.partial(listQuerySchema).shape,
    ...z.partial(search).shape,
    limit: z
      .optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)))
      .check(z.describe(`page size: at most ${MAX_SEARCH_LIMIT} with q, 100 without`)),
  });
  const searchOnly = Object.keys(search.shape).filter((k) => !(k in listQuerySchema.shape));
  const listOnly = Object.keys(listQuerySchema.shape).filter((k) => !(k in search.shape));
  const dispatch = z.pipe(
    z.record(z.string(), z.unknown()),
    z.transform((q, ctx): SearchRouteQuery => {
      const isSearch = q.q !== undefined;
      const foreign = isSearch ? listOnly : searchOnly;
      const limits = documented.safeParse(q).error?.issues ?? [];
      const issues = [
        ...limits,
        ...foreign
          .filter((k) => q[k] !== undefined && !limits.some((i) => i.path[0] === k))
          .map((k) => ({
            path: [k],
            message: isSearch
              ? 'applies to the saved-search list (without q), not to a search'
              : 'applies to a search: only with q',
          })),
      ];
      const r = issues.length ? undefined : (isSearch ? search : listQuerySchema).safeParse(q);
      for (const i of [...issues, ...(r?.error?.issues ?? [])])
        ctx.issues.push({ code: 'custom', path: i.path, message: i.message, input: q });
      if (!r?.success) return z.NEVER;
      return isSearch
        ? { mode: 'search', ...(r.data as SearchQuery) }
        : { mode: 'list', ...(r.data as ListQuery) };
    }),
  );
  return documentedAs(dispatch, documented);
}

/** A hit of a search (lib/search/rank.ts `Hit`, without its internal rank version). */
export const searchHitSchema = z.object({
  entity_type: z.string(),
  id: z.string(),
  title: z.string(),
  state: z.string(),
  owner_id: z.string(),
  tags: z.array(z.string()),
  features: z.array(z.string()),
  updated_at: z.string(),
  score: z.number(),
  matches: z.array(z.object({ query: z.string(), term: z.string(), kind: z.string() })),
  pending: z.optional(z.array(z.number())),
});

/** `GET /api/search` with `q`: the query as understood and the hits, best first. */
export const searchResultSchema = z.object({
  query: z.object({ q: z.string(), terms: z.array(z.string()) }),
  items: z.array(searchHitSchema),
});

/**
 * `GET /api/search`: declared by the search service over the searchable `types` (it replaces the
 * collection's derived list route, whose rule and roles it keeps).
 */
export function searchRoute(types: readonly string[], roles: readonly Role[]): RouteDefinition {
  return {
    method: 'GET',
    path: '/api/search',
    summary:
      'With q: search the entities (type, tag, feature, limit), best first. Without q: list saved searches (filters: state, tag, feature, broadcasting; cursor pagination). A parameter of the other mode is a 400 naming it.',
    rule: 'search.list',
    roles,
    query: searchRouteQuerySchema(types),
    response: z.union([searchResultSchema, pageOf(entitySchema)]),
  };
}
