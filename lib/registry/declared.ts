/**
 * The domain services as declared (a service with code of its own in its contract,
 * lib/<service>/contract.ts; the others in lib/registry/services.ts), in declaration order. Add
 * a service here. This is what the entity stores read (table, entity, fields, access, verbs):
 * the services' routes and the lists derived from all of them are joined in
 * lib/registry/domain.ts, which entity stores do not import.
 */
import { analytics } from '../analytics/contract.ts';
import { commerce } from '../commerce/contract.ts';
import { localization } from '../localization/contract.ts';
import { notification } from '../notification/contract.ts';
import { security } from '../security/contract.ts';
import { admin, campaign, content, moderation, referral, search, talent, user } from './services.ts';
import type { ServiceDefinition } from './types.ts';

export const declared: readonly ServiceDefinition[] = [
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
