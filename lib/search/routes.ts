/**
 * `GET /api/search`: with `q`, a search across entity types; without it, the contract's list
 * of the `search` collection (saved searches). Bad input is a 400 naming the parameter.
 */
import * as z from 'zod';
import type { HttpRequest, Routes } from '../edge/http-types.ts';
import { listQuerySchema, parseQuery } from '../edge/input.ts';
import { json } from '../edge/response.ts';
import type { ServiceDeps } from '../edge/service-handler.ts';
import { ownOnly } from '../policy/apply.ts';
import { registry } from '../registry/index.ts';
import { SEARCHABLE_TYPES } from './fields.ts';
import type { SearchIndex, Visibility } from './index.ts';
import { tokenize } from './text.ts';

export const MAX_QUERY_LENGTH = 128;
export const MAX_QUERY_TERMS = 8;
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;

const filterValue = z.string().min(1).max(128);

export const searchQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
    .transform((q, ctx) => {
      const terms = tokenize(q);
      if (terms.length === 0)
        ctx.addIssue({ code: 'custom', message: 'has no letters or digits to search for' });
      if (terms.length > MAX_QUERY_TERMS)
        ctx.addIssue({ code: 'custom', message: `has ${terms.length} words; at most ${MAX_QUERY_TERMS}` });
      return { q, terms };
    }),
  type: z
    .string()
    .max(256)
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.enum(SEARCHABLE_TYPES as [string, ...string[]], `must be one of ${SEARCHABLE_TYPES.join(', ')}`),
        )
        .min(1),
    )
    .optional(),
  tag: filterValue.optional(),
  feature: filterValue.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional(),
});

/** What the caller's role and policy let them see of each searchable type. */
async function visibilityOf(req: HttpRequest, deps: ServiceDeps): Promise<Map<string, Visibility>> {
  const actor = req.principal;
  const out = new Map<string, Visibility>();
  if (!actor) return out;
  for (const type of SEARCHABLE_TYPES) {
    const service = registry.find((s) => s.entity === type);
    if (!service?.access.list.includes(actor.role)) {
      out.set(type, 'none');
      continue;
    }
    const policy = await deps.policies.resolve({
      role: actor.role,
      environment: deps.environment,
      category: service.category,
    });
    if (policy.access === 'internal' && actor.role !== 'service') out.set(type, 'none');
    else out.set(type, ownOnly(policy, actor) ? 'own' : 'all');
  }
  return out;
}

export function searchRoutes(index: SearchIndex, deps: ServiceDeps): Routes {
  return {
    'GET /api/search': {
      handler: async (req) => {
        if (!req.principal) throw new Error('route requires a principal');
        if (!('q' in req.query)) {
          // The contract's collection list (saved searches).
          return json(200, await deps.store.list(parseQuery(listQuerySchema, req.query), req.principal));
        }
        const p = parseQuery(searchQuerySchema, req.query);
        const visibility = await visibilityOf(req, deps);
        const hits = await index.search({
          terms: p.q.terms,
          limit: p.limit ?? DEFAULT_LIMIT,
          ...(p.type ? { types: p.type } : {}),
          ...(p.tag !== undefined ? { tag: p.tag } : {}),
          ...(p.feature !== undefined ? { feature: p.feature } : {}),
          visibility: (t) => visibility.get(t) ?? 'none',
          caller: req.principal.sub,
        });
        return json(200, {
          query: { q: p.q.q, terms: p.q.terms },
          items: hits.map(({ rv: _rv, ...h }) => h),
        });
      },
    },
  };
}
