import { platform } from './platform.ts';
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
import type { RouteDefinition, ServiceDefinition } from './types.ts';

export { type PlatformServiceDefinition, platform } from './platform.ts';
export { stateSchema } from './services.ts';
export type * from './types.ts';

/** Every service of the platform, in declaration order. Add a service here. */
export const registry: readonly ServiceDefinition[] = [
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

const byName = new Map(registry.map((s) => [s.name, s]));

export function getService(name: string): ServiceDefinition {
  const s = byName.get(name);
  if (!s) throw new Error(`Unknown service "${name}" (known: ${[...byName.keys()].join(', ')})`);
  return s;
}

/** CRUD event types the service's entity store emits, then the declared extra ones. */
export function emittedEvents(s: ServiceDefinition): string[] {
  // A service whose table is not an entity collection (crud: false) emits no CRUD events.
  const crud = s.crud === false ? [] : ['created', 'updated', 'deleted'].map((v) => `${s.entity}.${v}`);
  return [...new Set([...crud, ...s.verbs.map((v) => v.emits), ...s.emits])];
}

/** Every HTTP route of a service: its collection routes and the extra ones it declares. */
export function serviceRoutes(s: ServiceDefinition): RouteDefinition[] {
  return [...collectionRoutes(s), ...(s.routes ?? [])];
}

/** The routes derived from a service's collection and verbs (health, CRUD, list, verbs). */
export function collectionRoutes(s: ServiceDefinition): RouteDefinition[] {
  const base = `/api/${s.collection}`;
  const health: RouteDefinition = { method: 'GET', path: `/api/${s.name}/health`, public: true };
  if (s.crud === false) return [health];
  return [
    health,
    { method: 'POST', path: base },
    { method: 'GET', path: base },
    { method: 'GET', path: `${base}/{id}` },
    { method: 'PATCH', path: `${base}/{id}` },
    { method: 'DELETE', path: `${base}/{id}` },
    ...s.verbs.map((v): RouteDefinition => ({ method: 'POST', path: `${base}/{id}/${v.name}` })),
  ];
}

export const routeKey = (r: RouteDefinition): string => `${r.method} ${r.path}`;

/** `GET /api/health`: the platform's own health route (one small function, infra/stack.ts). */
export const PLATFORM_HEALTH_ROUTE: RouteDefinition = { method: 'GET', path: '/api/health', public: true };

/**
 * Every route of the HTTP API, each once: the domain services' (collections, verbs, extra
 * routes), the platform services' and the platform health route. The catch-all answers 405
 * with `Allow` from this list; a CDK assertion test checks it equals the gateway's routes.
 */
export function gatewayRoutes(): RouteDefinition[] {
  const all = [
    ...registry.flatMap(serviceRoutes),
    ...platform.flatMap((p) => p.routes),
    PLATFORM_HEALTH_ROUTE,
  ];
  return [...new Map(all.map((r) => [routeKey(r), r])).values()];
}
