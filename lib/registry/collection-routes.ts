/**
 * The routes a domain service's collection gives it (health, CRUD, list, verbs), derived from
 * its declaration, and every route of a service with the extra ones its contract declares.
 */
import { CREATE_EXAMPLES, PATCH_EXAMPLE } from './examples.ts';
import { entitySchema, pageSchema } from './responses.ts';
import { routeKey } from './route-key.ts';
import { healthSchema, idParamsSchema, listQuerySchema } from './schemas.ts';
import { OPS, type RouteDefinition, type ServiceDefinition } from './types.ts';

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
