/**
 * The HTTP API's `$default` route: whatever no declared route matched. An unknown path is the
 * contract's 404 `not_found`; a known path with another method is a 405 `method_not_allowed`
 * with an `Allow` header listing the methods the registry declares for it (instead of API
 * Gateway's `{"message":"Not Found"}`). Public, reads nothing, writes nothing.
 */
import { notFound } from '../errors.ts';
import { catchAllRoute, gatewayRoutes, type RouteDefinition } from '../registry/index.ts';
import { httpHandler } from './http.ts';
import { json } from './response.ts';

const segments = (path: string): string[] => path.split('/').filter((s) => s !== '');

/** True when a concrete path fits a route's template (`{name}` = one non-empty segment). */
export function pathMatches(template: string, path: string): boolean {
  const t = segments(template);
  const p = segments(path);
  return t.length === p.length && t.every((s, i) => (s.startsWith('{') && s.endsWith('}')) || s === p[i]);
}

/** Methods declared for the path (sorted), empty when no route has that path. */
export function allowedMethods(path: string, routes: readonly RouteDefinition[] = gatewayRoutes()): string[] {
  return [...new Set(routes.filter((r) => pathMatches(r.path, path)).map((r) => r.method))].sort();
}

export function catchAllHandler(routes: readonly RouteDefinition[] = gatewayRoutes()) {
  return httpHandler([catchAllRoute], {
    $default: {
      public: true,
      handler: async ({ event }) => {
        const method = event.requestContext?.http?.method ?? 'GET';
        const path = event.rawPath ?? '/';
        const allowed = allowedMethods(path, routes);
        const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
        if (allowed.length === 0) throw notFound(`No route for ${method} ${shown}`);
        return json(
          405,
          {
            error: {
              code: 'method_not_allowed',
              message: `${method} is not allowed on ${shown}; allowed: ${allowed.join(', ')}`,
              details: { allowed },
            },
          },
          { allow: allowed.join(', ') },
        );
      },
    },
  });
}
