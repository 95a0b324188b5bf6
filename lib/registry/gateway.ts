/**
 * The HTTP API as a whole: the platform health function's routes, the console's, the catch-all,
 * every HTTP function with the routes it serves (one gateway integration each) and every route
 * of the gateway, each once.
 */
import { registry } from './catalog.ts';
import { serviceRoutes } from './collection-routes.ts';
import { platform } from './platform.ts';
import { openApiSchema } from './responses.ts';
import { routeKey } from './route-key.ts';
import { healthSchema } from './schemas.ts';
import type { RouteDefinition } from './types.ts';

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
