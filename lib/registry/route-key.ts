import type { RouteDefinition } from './types.ts';

/**
 * `METHOD /path`, as API Gateway names a route; the catch-all route is `$default`. A module of
 * its own: the Lambda kit needs it, and importing it must not bring the whole registry along.
 */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>): string =>
  r.path === '$default' ? '$default' : `${r.method} ${r.path}`;

/** The route's success answer of `status` (its main one or one of `alsoAnswers`), or undefined. */
export function successOf(
  r: Pick<RouteDefinition, 'method' | 'status' | 'response' | 'alsoAnswers'>,
  status: number,
): { response?: RouteDefinition['response'] } | undefined {
  if (status === (r.status ?? (r.method === 'DELETE' ? 204 : 200)))
    return r.response ? { response: r.response } : {};
  return r.alsoAnswers?.find((a) => a.status === status);
}
