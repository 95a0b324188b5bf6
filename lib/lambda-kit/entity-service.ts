/**
 * The HTTP face of an entity service, built from its registry entry: CRUD, list, health
 * and domain verbs over the entity store. A service's Lambda is one line:
 * `export const handler = serviceHandler(getService('campaign'))`.
 */
import { config } from '../config.ts';
import { healthReport } from '../health.ts';
import type { PolicyStore } from '../policy/store.ts';
import { collectionRoutes, routeKey, serviceRoutes } from '../registry/index.ts';
import type { RouteDefinition, ServiceDefinition } from '../registry/types.ts';
import type { EntityStore, RequestContext } from '../store/entity-store.ts';
import { httpHandler } from './http.ts';
import { type HttpRequest, inputOf, type Route, type Routes } from './http-types.ts';
import { type ListQuery, parseIfMatch } from './input.ts';
import { once } from './lazy.ts';
import { json } from './response.ts';
import { policyStore, serviceStore } from './wiring.ts';

/** What a service's extra routes may use (getters: each is built on first use, a health check builds none). */
export interface ServiceDeps {
  readonly store: EntityStore;
  readonly policies: PolicyStore;
  readonly environment: string;
}

const ctxOf = (req: HttpRequest): RequestContext => {
  if (!req.principal) throw new Error('route requires a principal');
  return { actor: req.principal, correlationId: req.correlationId };
};

/** The `{id}` the kit parsed with the route's declared path schema (lib/registry `idParamsSchema`). */
const idOf = (req: HttpRequest): string => inputOf<{ id: string }>(req).params.id;

/** Build the routes of a service over a store; exported for unit tests. */
export function entityRoutes(
  service: ServiceDefinition,
  store: () => EntityStore,
  health: () => Promise<Route['handler']>,
): Routes {
  const routes: Routes = {};
  for (const r of collectionRoutes(service)) routes[routeKey(r)] = routeFor(r, service, store, health);
  return routes;
}

function routeFor(
  r: RouteDefinition,
  service: ServiceDefinition,
  store: () => EntityStore,
  health: () => Promise<Route['handler']>,
): Route {
  const base = `/api/${service.collection}`;
  if (r.public) return { public: true, handler: async (req) => (await health())(req) };
  if (r.path === base && r.method === 'POST') {
    return { handler: async (req) => json(201, await store().create(req.body, ctxOf(req))) };
  }
  if (r.path === base && r.method === 'GET') {
    return {
      handler: async (req) => {
        return json(200, await store().list(inputOf<unknown, ListQuery>(req).query, ctxOf(req).actor));
      },
    };
  }
  if (r.path === `${base}/{id}`) {
    if (r.method === 'GET')
      return { handler: async (req) => json(200, await store().get(idOf(req), ctxOf(req).actor)) };
    if (r.method === 'PATCH') {
      return {
        handler: async (req) =>
          json(
            200,
            await store().patch(idOf(req), req.body, ctxOf(req), parseIfMatch(req.headers['if-match'])),
          ),
      };
    }
    if (r.method === 'DELETE') {
      return {
        handler: async (req) => {
          await store().remove(idOf(req), ctxOf(req), parseIfMatch(req.headers['if-match']));
          return json(204);
        },
      };
    }
  }
  const verb = service.verbs.find((v) => r.path === `${base}/{id}/${v.name}`);
  if (verb)
    return { handler: async (req) => json(200, await store().verb(idOf(req), verb.name, ctxOf(req))) };
  throw new Error(`No handler for route ${routeKey(r)}`);
}

/** Health of a service: its own table answers DescribeTable and is ACTIVE (503 otherwise). */
export function tableHealth(service: ServiceDefinition, table: string): Route['handler'] {
  return async () => {
    const report = await healthReport(service.name, { table: { logical: service.table, physical: table } });
    return json(report.status === 'ok' ? 200 : 503, report);
  };
}

/** The Lambda handler of an entity service (plus the extra routes the registry declares for it). */
export function serviceHandler(
  service: ServiceDefinition,
  extra: (deps: ServiceDeps) => Routes = () => ({}),
) {
  const cfg = config();
  const store = () => serviceStore(service);
  const health = once(() => tableHealth(service, cfg.entityTable));
  const routes = {
    ...entityRoutes(service, store, async () => health()),
    ...extra({
      get store() {
        return store();
      },
      get policies() {
        return policyStore();
      },
      environment: cfg.environment,
    }),
  };
  return httpHandler(serviceRoutes(service), routes);
}
