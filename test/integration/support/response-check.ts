/**
 * The integration suite's check of every response against the API's declared responses (the
 * OpenAPI document lib/registry/openapi.ts generates, and the zod schemas it turns into its
 * response schemas): a response of a declared route must have a status the route's OpenAPI
 * `responses` list (its success `status`, its `alsoAnswers`, or a 4XX/5XX error); with a
 * declared body, match it; an error must have the contract's error shape. `api()` throws on a
 * mismatch, and the fuzz suite reports one.
 */
import { allRoutes, routeKey } from '../../../lib/registry/index.ts';
import { openApiDocument } from '../../../lib/registry/openapi.ts';
import { successOf } from '../../../lib/registry/route-key.ts';
import { errorSchema } from '../../../lib/registry/schemas.ts';
import type { RouteDefinition } from '../../../lib/registry/types.ts';

const matchers = allRoutes().map((r) => ({
  route: r,
  re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  // Literal routes win over templated ones (`/api/metadata/export` over `/api/metadata/{type}/{name}`).
  literal: !r.path.includes('{'),
}));

const spec = openApiDocument();

/** The statuses the route's OpenAPI operation declares (`200`, `304`, `4XX` …). */
export function declaredStatuses(route: RouteDefinition): string[] {
  const op = spec.paths[route.path]?.[route.method.toLowerCase()] as { responses?: object } | undefined;
  if (!op?.responses) throw new Error(`${routeKey(route)} is not in the OpenAPI document`);
  return Object.keys(op.responses);
}

/** Whether the OpenAPI declares `status` for `route` (exactly, or by its `NXX` range). */
export function isDeclaredStatus(route: RouteDefinition, status: number): boolean {
  const declared = declaredStatuses(route);
  return declared.includes(String(status)) || declared.includes(`${Math.floor(status / 100)}XX`);
}

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
  if (!isDeclaredStatus(route, status))
    return [
      `${where}: status ${status} is not declared (the OpenAPI lists ${declaredStatuses(route).join(', ')})`,
    ];
  if (status >= 400) {
    const r = errorSchema.safeParse(body);
    return r.success ? [] : [`${where}: not the contract error shape: ${r.error.message}`];
  }
  const response = successOf(route, status)?.response;
  if (!response) return [];
  const r = response.safeParse(route.mediaType === 'text/plain' ? text : body);
  return r.success ? [] : [`${where}: does not match the declared response: ${r.error.message}`];
}
