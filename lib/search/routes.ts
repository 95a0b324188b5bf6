/**
 * `GET /api/search`: with `q`, a search across entity types; without it, the contract's list
 * of the `search` collection (saved searches). The query is the registry's declaration
 * (./contract.ts), parsed by the kit: bad input is a 400 naming the parameter.
 */

import type { ServiceDeps } from '../lambda-kit/entity-service.ts';
import { type HttpRequest, inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { ownOnly } from '../policy/apply.ts';
import { registry } from '../registry/index.ts';
import {
  DEFAULT_SEARCH_LIMIT,
  type SearchRouteQuery,
  searchQuerySchema as searchQueryOver,
} from './contract.ts';
import { SEARCHABLE_TYPES } from './fields.ts';
import type { SearchIndex, Visibility } from './search-index.ts';

export {
  DEFAULT_SEARCH_LIMIT as DEFAULT_LIMIT,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  MAX_SEARCH_LIMIT as MAX_LIMIT,
} from './contract.ts';

/** The query of a search (with `q`) over the searchable types, as the registry declares it. */
export const searchQuerySchema = searchQueryOver(SEARCHABLE_TYPES);

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
        const p = inputOf<unknown, SearchRouteQuery>(req).query;
        if (p.mode === 'list') {
          // Without `q`: the contract's collection list (saved searches).
          const { mode: _list, ...list } = p;
          return json(200, await deps.store.list(list, req.principal));
        }
        const visibility = await visibilityOf(req, deps);
        const hits = await index.search({
          terms: p.q.terms,
          limit: p.limit ?? DEFAULT_SEARCH_LIMIT,
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
