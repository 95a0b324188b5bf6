/**
 * The domain services with the lists that name every domain service or entity derived from
 * their declarations (lib/registry/declared.ts), never kept by hand: nexus's and security's
 * dependencies, localization's and search's consumed events, `GET /api/search`; and each
 * service's extra routes (lib/registry/domain-routes.ts) joined in.
 */

import { localization } from '../localization/contract.ts';
import { security } from '../security/contract.ts';
import { DOMAIN_NAMES, declared, SEARCHABLE_TYPES } from './declared.ts';
import { DOMAIN_ROUTES } from './domain-routes.ts';
import { searchRoute } from './search.ts';
import { search } from './services.ts';
import type { ServiceDefinition } from './types.ts';

export { DOMAIN_NAMES, SEARCH_FIELDS, SEARCHABLE_TYPES } from './declared.ts';

const entityServices = declared.filter((s) => s.crud !== false);

/** Localization: every entity's created/updated (any entity may carry localization scripts). */
const localizationConsumes = entityServices.flatMap((s) => [`${s.entity}.created`, `${s.entity}.updated`]);

/**
 * Search: every change of a searchable entity, including the verbs that move its state (a
 * reactivated user is findable again).
 */
const searchConsumes = entityServices
  .filter((s) => SEARCHABLE_TYPES.includes(s.entity))
  .flatMap((s) => [
    ...['created', 'updated', 'deleted'].map((v) => `${s.entity}.${v}`),
    ...s.verbs.filter((v) => v.setState !== undefined).map((v) => v.emits),
  ]);

/** The declared services with their extra routes joined and the lists derived from all of them. */
export const domainServices: readonly ServiceDefinition[] = declared.map((s): ServiceDefinition => {
  const routes = [
    ...(DOMAIN_ROUTES[s.name] ?? []),
    ...(s === search ? [searchRoute(SEARCHABLE_TYPES, s.access.list)] : []),
  ];
  const joined = routes.length > 0 ? { ...s, routes } : s;
  // Security audits every event of every other domain service: it depends on all of them.
  if (s === security) return { ...joined, dependencies: DOMAIN_NAMES.filter((n) => n !== s.name) };
  if (s === localization) return { ...joined, consumes: [...s.consumes, ...localizationConsumes] };
  if (s === search) return { ...joined, consumes: [...s.consumes, ...searchConsumes] };
  return joined;
});
