/**
 * Calling a route's handler as the kit would: the registry's declaration enforced first (roles,
 * path, query and body schemas; lib/lambda-kit/middleware/declared.ts), then the handler with the
 * parsed input; a success answer must match the route's declared response schema (as the
 * integration suite checks on the deployed stack). For unit tests of a service's routes without a
 * Lambda event.
 */
import { enforceDeclaration, type HttpRequest, type Routes } from '../../lib/lambda-kit/http.ts';
import type { HttpResponse } from '../../lib/lambda-kit/response.ts';
import { routeKey } from '../../lib/registry/index.ts';
import { successOf } from '../../lib/registry/route-key.ts';
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
  const res = await route.handler({ ...req, input, ...(def.body ? { body: input.body } : {}) });
  const response = successOf(def, res.statusCode)?.response;
  if (response) {
    const raw = typeof res.body === 'string' ? res.body : '';
    const parsed = response.safeParse(def.mediaType === 'text/plain' ? raw : JSON.parse(raw));
    if (!parsed.success)
      throw new Error(`${key} → ${res.statusCode}: not the declared response: ${parsed.error.message}`);
  }
  return res;
}
