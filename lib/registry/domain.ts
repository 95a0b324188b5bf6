/**
 * The domain services, in declaration order. Add a service here. Lists that name every domain
 * service or entity (nexus's and security's dependencies, localization's and search's consumed
 * events, the search index's fields and `GET /api/search`) are derived from this one, never kept
 * by hand.
 */
import { searchRoute } from './search.ts';
import {
  admin,
  analytics,
  campaign,
  commerce,
  content,
  localization,
  moderation,
  notification,
  referral,
  search,
  security,
  talent,
  user,
} from './services.ts';
import type { ServiceDefinition } from './types.ts';

const declared: readonly ServiceDefinition[] = [
  user,
  notification,
  campaign,
  referral,
  security,
  content,
  commerce,
  localization,
  search,
  admin,
  analytics,
  moderation,
  talent,
];

/** Names of every domain service. */
export const DOMAIN_NAMES: readonly string[] = declared.map((s) => s.name);

/** Per searchable entity type, the fields the search index covers (each service's `searchFields`). */
export const SEARCH_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  declared.flatMap((s) => (s.searchFields?.length ? [[s.entity, s.searchFields]] : [])),
);

/** Entity types the search index covers. */
export const SEARCHABLE_TYPES: readonly string[] = Object.keys(SEARCH_FIELDS);

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

/** The declared services with the lists derived from all of them. */
export const domainServices: readonly ServiceDefinition[] = declared.map((s) => {
  // Security audits every event of every other domain service: it depends on all of them.
  if (s === security) return { ...s, dependencies: DOMAIN_NAMES.filter((n) => n !== s.name) };
  if (s === localization) return { ...s, consumes: [...s.consumes, ...localizationConsumes] };
  if (s === search)
    return {
      ...s,
      consumes: [...s.consumes, ...searchConsumes],
      routes: [...(s.routes ?? []), searchRoute(SEARCHABLE_TYPES, s.access.list)],
    };
  return s;
});
