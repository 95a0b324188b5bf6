import { domainServices } from './domain.ts';
import { CREATE_EXAMPLES, PATCH_EXAMPLE } from './examples.ts';
import { platform } from './platform.ts';
import { entitySchema, openApiSchema, pageSchema } from './responses.ts';
import { routeKey } from './route-key.ts';
import { healthSchema, idParamsSchema, listQuerySchema } from './schemas.ts';
import { OPS, type RouteDefinition, type ServiceDefinition } from './types.ts';

export { SEARCH_FIELDS, SEARCHABLE_TYPES } from './domain.ts';
export { type PlatformServiceDefinition, platform } from './platform.ts';
export * from './schemas.ts';
export * from './schemas-reads.ts';
export { stateSchema } from './services.ts';
export type * from './types.ts';
export { routeKey };

/** Every service of the platform, in declaration order (lib/registry/domain.ts). */
export const registry: readonly ServiceDefinition[] = domainServices;

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

/**
 * Every HTTP route of a service: its collection routes and the extra ones it declares. A declared
 * route replaces the derived one with the same key (`GET /api/search` is the search, which lists
 * saved searches without `q`).
 */
export function serviceRoutes(s: ServiceDefinition): RouteDefinition[] {
  const extra = s.routes ?? [];
  const replaced = new Set(extra.map(routeKey));
  return [...collectionRoutes(s).filter((r) => !replaced.has(routeKey(r))), ...extra];
}

/**
 * Where a service answers its health: its collection's path plus `/health`
 * (`/api/campaigns/health`, `/api/orders/health`), so the path a client already uses for the
 * data is the one to probe. API Gateway prefers this static route over `{base}/{id}`.
 */
export const healthPath = (s: Pick<ServiceDefinition, 'collection'>): string => `/api/${s.collection}/health`;

/** The routes derived from a service's collection and verbs (health, CRUD, list, verbs). */
export function collectionRoutes(s: ServiceDefinition): RouteDefinition[] {
  const base = `/api/${s.collection}`;
  const health: RouteDefinition = {
    method: 'GET',
    path: healthPath(s),
    public: true,
    summary: `Health of the ${s.name} service (its table answers).`,
    response: healthSchema,
  };
  if (s.crud === false) return [health];
  const example = CREATE_EXAMPLES[s.name];
  // Partial: graph fixtures declare services by their routes alone.
  const acc: Partial<ServiceDefinition['access']> = s.access ?? {};
  const one = { params: idParamsSchema, response: entitySchema };
  return [
    health,
    {
      method: 'POST',
      path: base,
      summary: `Create a ${s.entity}.`,
      rule: `${s.name}.create`,
      roles: acc.create ?? OPS,
      status: 201,
      response: entitySchema,
      idempotent: true,
      ...(example ? { example } : {}),
    },
    {
      method: 'GET',
      path: base,
      summary: `List ${s.entity} entities (filters: state, tag, feature; cursor pagination).`,
      rule: `${s.name}.list`,
      roles: acc.list ?? OPS,
      query: listQuerySchema,
      response: pageSchema,
    },
    {
      method: 'GET',
      path: `${base}/{id}`,
      summary: `Read one ${s.entity}.`,
      rule: `${s.name}.read`,
      roles: acc.read ?? OPS,
      ...one,
    },
    {
      method: 'PATCH',
      path: `${base}/{id}`,
      summary: `Update a ${s.entity} (merge patch; If-Match for optimistic locking).`,
      rule: `${s.name}.update`,
      roles: acc.update ?? OPS,
      example: PATCH_EXAMPLE,
      ...one,
    },
    {
      method: 'DELETE',
      path: `${base}/{id}`,
      summary: `Delete a ${s.entity} (If-Match for optimistic locking).`,
      rule: `${s.name}.delete`,
      roles: acc.delete ?? OPS,
      params: idParamsSchema,
      status: 204,
    },
    ...s.verbs.map(
      (v): RouteDefinition => ({
        method: 'POST',
        path: `${base}/{id}/${v.name}`,
        summary: `${v.name[0]?.toUpperCase()}${v.name.slice(1)} a ${s.entity} (emits ${v.emits}).`,
        rule: `${s.name}.${v.name}`,
        roles: v.roles,
        idempotent: true,
        ...one,
      }),
    ),
  ];
}

/** A platform service by name (lib/registry/platform.ts). */
export function getPlatformService(name: string) {
  const p = platform.find((s) => s.name === name);
  if (!p) throw new Error(`Unknown platform service "${name}"`);
  return p;
}

/** API Gateway's `$default` route: any path or method no other route declares (lib/lambda-kit/catch-all.ts). */
export const catchAllRoute: RouteDefinition = {
  method: 'GET',
  path: '$default',
  public: true,
  summary: 'Any other path or method: 404 not_found, or 405 with Allow when the path has other methods.',
};

/** `GET /api/health`: the platform's health (served by functions/health). */
export const platformHealthRoute: RouteDefinition = {
  method: 'GET',
  path: '/api/health',
  public: true,
  summary: 'Health of the whole platform: every table of every service.',
  response: healthSchema,
};

/** `GET /api/openapi.json`: this API's OpenAPI 3.1 document (served by functions/health). */
export const openApiRoute: RouteDefinition = {
  method: 'GET',
  path: '/api/openapi.json',
  public: true,
  summary: 'The OpenAPI 3.1 document of this API, generated from the registry.',
  response: openApiSchema,
};

/** Routes of the platform-health function (health and the API's own description). */
export const HEALTH_ROUTES: readonly RouteDefinition[] = [platformHealthRoute, openApiRoute];

/** Every HTTP function of the stack and the routes it serves (one gateway integration each). */
export interface HttpFunctionRoutes {
  /** Lambda folder under functions/. */
  folder: string;
  /** Tag in the API reference. */
  tag: string;
  routes: readonly RouteDefinition[];
}

export function httpFunctions(): HttpFunctionRoutes[] {
  return [
    ...registry.map((s) => ({ folder: s.name, tag: s.name, routes: serviceRoutes(s) })),
    ...platform
      .filter((p) => p.routes.length > 0)
      .map((p) => ({ folder: p.folder, tag: p.name, routes: p.routes })),
    { folder: 'health', tag: 'health', routes: HEALTH_ROUTES },
  ];
}

/** Every declared route of the platform. */
export const allRoutes = (): RouteDefinition[] => httpFunctions().flatMap((f) => [...f.routes]);

export { OPS };

/**
 * The operator console (functions/console, docs/console.md): the page and its prebuilt assets,
 * public (the page itself asks for a token; every API call it makes is authorised as usual).
 */
export const CONSOLE_ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/console', public: true, summary: 'The operator console (a single page).' },
  {
    method: 'GET',
    path: '/console/{asset+}',
    public: true,
    summary: 'A file of the operator console (scripts, styles, its configuration).',
  },
];

/**
 * Every route of the HTTP API, each once: the domain services' (collections, verbs, extra
 * routes), the platform services' and the platform health function's. The catch-all answers
 * 405 with `Allow` from this list; a CDK assertion test checks it equals the gateway's routes.
 */
export function gatewayRoutes(): RouteDefinition[] {
  const all = [
    ...registry.flatMap(serviceRoutes),
    ...platform.flatMap((p) => p.routes),
    ...HEALTH_ROUTES,
    ...CONSOLE_ROUTES,
  ];
  return [...new Map(all.map((r) => [routeKey(r), r])).values()];
}
