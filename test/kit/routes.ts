/**
 * Calling a route's handler as the kit would: the registry's declaration enforced first (roles,
 * path, query and body schemas; lib/edge/middleware/declared.ts), then the handler with the
 * parsed input. For unit tests of a service's routes without a Lambda event.
 */
import { enforceDeclaration, type HttpRequest, type Routes } from '../../lib/edge/http.ts';
import type { HttpResponse } from '../../lib/edge/response.ts';
import { routeKey } from '../../lib/registry/index.ts';
import type { RouteDefinition } from '../../lib/registry/types.ts';

export async function callDeclared(
  declared: readonly RouteDefinition[],
  routes: Routes,
  key: string,
  req: HttpRequest,
): Promise<HttpResponse> {
  const def = declared.find((d) => routeKey(d) === key);
  const route = routes[key];
  if (!def || !route) throw new Error(`no declared route ${key}`);
  const input = enforceDeclaration(def, req.principal, {
    params: req.params,
    query: req.query,
    body: req.body,
  });
  return route.handler({ ...req, input, ...(def.body ? { body: input.body } : {}) });
}
