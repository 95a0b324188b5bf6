import type { RouteDefinition } from './types.ts';

/**
 * `METHOD /path`, as API Gateway names a route; the catch-all route is `$default`. A module of
 * its own: the Lambda kit needs it, and importing it must not bring the whole registry along.
 */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>): string =>
  r.path === '$default' ? '$default' : `${r.method} ${r.path}`;
