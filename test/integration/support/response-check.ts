/**
 * The integration suite's check of every response against the API's declared response schemas
 * (the zod schemas lib/registry/openapi.ts turns into the OpenAPI document's response schemas):
 * a response of a declared route with its success status must match the route's `response`; an
 * error must have the contract's error shape. `api()` throws on a mismatch.
 */
import { allRoutes } from '../../../lib/registry/index.ts';
import { successOf } from '../../../lib/registry/route-key.ts';
import { errorSchema } from '../../../lib/registry/schemas.ts';
import type { RouteDefinition } from '../../../lib/registry/types.ts';

const matchers = allRoutes().map((r) => ({
  route: r,
  re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  // Literal routes win over templated ones (`/api/metadata/export` over `/api/metadata/{type}/{name}`).
  literal: !r.path.includes('{'),
}));

export function routeOf(method: string, path: string): RouteDefinition | undefined {
  const p = path.split('?')[0] ?? '';
  const hits = matchers.filter((m) => m.route.method === method.toUpperCase() && m.re.test(p));
  return (hits.find((m) => m.literal) ?? hits[0])?.route;
}

/**
 * Problems of a response against its route's declaration (empty when it conforms or is undeclared).
 * `body` is the parsed JSON; `text` the raw body, checked instead for a `text/plain` route.
 */
export function responseProblems(
  method: string,
  path: string,
  status: number,
  body: unknown,
  text = '',
): string[] {
  const route = routeOf(method, path);
  if (!route) return [];
  const where = `${method} ${path} → ${status}`;
  if (status >= 400) {
    const r = errorSchema.safeParse(body);
    return r.success ? [] : [`${where}: not the contract error shape: ${r.error.message}`];
  }
  const response = successOf(route, status)?.response;
  if (!response) return [];
  const r = response.safeParse(route.mediaType === 'text/plain' ? text : body);
  return r.success ? [] : [`${where}: does not match the declared response: ${r.error.message}`];
}
