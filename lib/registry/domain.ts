/**
 * The domain services, in declaration order. Add a service here. Lists that name every domain
 * service (nexus's and security's dependencies) are derived from this one, never kept by hand.
 */
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

/** Security audits every event of every other domain service: it depends on all of them. */
export const domainServices: readonly ServiceDefinition[] = declared.map((s) =>
  s === security ? { ...s, dependencies: DOMAIN_NAMES.filter((n) => n !== s.name) } : s,
);
