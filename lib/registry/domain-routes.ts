/**
 * The HTTP routes a domain service serves besides its collection (CRUD, list, verbs, health:
 * derived in lib/registry/collection-routes.ts), by service, each from its contract's routes
 * (lib/<service>/contract-routes.ts). lib/registry/domain.ts joins them to the declarations.
 *
 * They are kept apart from the declarations (lib/registry/declared.ts) so that the entity stores
 * (which need a service's table, fields, access and verbs, never its routes) do not pull these
 * routes' query and response schemas into every Lambda that writes to other services' entities:
 * the scheduler, localization and notification functions.
 */
import { analytics } from '../analytics/contract.ts';
import { ANALYTICS_ROUTES } from '../analytics/contract-routes.ts';
import { localization } from '../localization/contract.ts';
import { LOCALIZATION_ROUTES } from '../localization/contract-routes.ts';
import { security } from '../security/contract.ts';
import { SECURITY_ROUTES } from '../security/contract-routes.ts';
import type { RouteDefinition } from './types.ts';

/** Extra routes per domain service name (a service without an entry has only its derived ones). */
export const DOMAIN_ROUTES: Readonly<Record<string, readonly RouteDefinition[]>> = {
  [security.name]: SECURITY_ROUTES,
  [localization.name]: LOCALIZATION_ROUTES,
  [analytics.name]: ANALYTICS_ROUTES,
};
