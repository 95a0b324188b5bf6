/**
 * Every route is declared once in lib/registry, and every function serves exactly its declared
 * routes (the start-up check `bindRoutes` runs on each function's handlers here).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { amadeusRoutes } from '../../../lib/amadeus/lambda.ts';
import { analyticsRoutes } from '../../../lib/analytics/routes.ts';
import { broadcastRoutes } from '../../../lib/broadcast/http.ts';
import { orderRoutes } from '../../../lib/commerce/routes.ts';
import { converseRoutes } from '../../../lib/converse/routes.ts';
import { entityRoutes } from '../../../lib/lambda-kit/entity-service.ts';
import { bindRoutes, type Routes } from '../../../lib/lambda-kit/http.ts';
import { platformHealthHandler } from '../../../lib/lambda-kit/platform-health.ts';
import { priceRoutes } from '../../../lib/localization/prices.ts';
import { eventRoutes } from '../../../lib/nexus/index.ts';
import { recordsRoutes } from '../../../lib/records/lambda.ts';
import { allRoutes, httpFunctions, registry, routeKey, serviceRoutes } from '../../../lib/registry/index.ts';
import type { RouteDefinition } from '../../../lib/registry/types.ts';
import { schedulerRoutes } from '../../../lib/scheduler/routes.ts';
import { searchRoutes } from '../../../lib/search/routes.ts';
import { securityRoutes } from '../../../lib/security/lambda.ts';
import type { EntityStore } from '../../../lib/store/entity-store.ts';
import { callDeclared } from '../../kit/routes.ts';

const stub = {} as never;
const noHandler = async () => {
  throw new Error('not called');
};

/** The handlers each HTTP function registers, built over stub dependencies (never called). */
function handlersOf(folder: string): Routes {
  const extra: Record<string, () => Routes> = {
    security: () => securityRoutes(stub, () => stub),
    analytics: () => analyticsRoutes(stub),
    search: () => searchRoutes(stub, stub),
    localization: () => priceRoutes(stub),
    commerce: () => orderRoutes(stub, stub),
  };
  const service = registry.find((s) => s.name === folder);
  if (service)
    return {
      ...entityRoutes(
        service,
        () => stub,
        async () => noHandler,
      ),
      ...extra[folder]?.(),
    };
  switch (folder) {
    case 'nexus-publisher':
      return eventRoutes(stub, 'outbox', 'test');
    case 'scheduler':
      return schedulerRoutes(stub);
    case 'records':
      return recordsRoutes(stub, () => stub);
    case 'broadcast':
      return broadcastRoutes(stub);
    case 'amadeus':
      return amadeusRoutes(stub, async () => stub);
    case 'converse':
      return converseRoutes(stub);
    default:
      throw new Error(`no handlers known for function ${folder}`);
  }
}

describe('route declarations', () => {
  it('every HTTP function serves exactly its declared routes, one to one', () => {
    for (const f of httpFunctions().filter((f) => f.folder !== 'health')) {
      expect(() => bindRoutes(f.routes, handlersOf(f.folder)), f.folder).not.toThrow();
    }
    // The platform health function runs the same check when it is built.
    expect(() => platformHealthHandler({ HEALTH_TABLES: '{}' })).not.toThrow();
  });

  it('the start-up check names a declared route without a handler and an undeclared handler', () => {
    const declared: RouteDefinition[] = [{ method: 'GET', path: '/api/a', summary: 'a', roles: ['admin'] }];
    expect(() => bindRoutes(declared, {})).toThrow(/GET \/api\/a is declared but has no handler/);
    expect(() =>
      bindRoutes(declared, { 'GET /api/a': { handler: noHandler }, 'GET /api/b': { handler: noHandler } }),
    ).toThrow(/GET \/api\/b has a handler but is not declared/);
  });

  it('declares every route once, each with a summary, roles unless public, and an example for a body', () => {
    const routes = allRoutes();
    const keys = routes.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of routes) {
      const key = routeKey(r);
      expect(r.summary.length, key).toBeGreaterThan(0);
      if (!r.public) expect(r.roles?.length, `${key} declares its roles`).toBeGreaterThan(0);
      if (r.body) expect(r.example, `${key} has an example`).toBeDefined();
      if (r.example !== undefined && r.body) expect(r.body.safeParse(r.example).success, key).toBe(true);
    }
    // Every entity collection's create route carries an example.
    for (const s of registry.filter((s) => s.crud !== false)) {
      const create = serviceRoutes(s).find((r) => r.method === 'POST' && r.path === `/api/${s.collection}`);
      expect(create?.example, s.name).toBeDefined();
    }
    expect(keys).toContain('GET /api/health');
  });
});

describe('entity routes read the id the path schema parsed (one check, in the declaration)', () => {
  const campaign = registry.find((s) => s.name === 'campaign');
  if (!campaign) throw new Error('no campaign service');
  const seen: string[] = [];
  const store = {
    get: async (id: string) => {
      seen.push(id);
      return { id, version: 1, created_at: 'x', updated_at: 'x' };
    },
  } as unknown as EntityStore;
  const routes = entityRoutes(
    campaign,
    () => store,
    async () => noHandler,
  );
  const request = (id: string) => ({
    event: {} as APIGatewayProxyEventV2,
    principal: { sub: 'u', role: 'user' as const },
    correlationId: 'c',
    body: undefined,
    params: { id },
    query: {},
    headers: {},
  });
  const key = 'GET /api/campaigns/{id}';

  it('a padded id reaches the store as the schema trimmed it; an oversize one is a 400 naming path.id', async () => {
    await callDeclared(serviceRoutes(campaign), routes, key, request('  cmp_1 '));
    expect(seen).toEqual(['cmp_1']);
    await expect(
      callDeclared(serviceRoutes(campaign), routes, key, request('x'.repeat(129))),
    ).rejects.toMatchObject({
      status: 400,
      details: { issues: [{ path: 'path.id' }] },
    });
    expect(seen).toEqual(['cmp_1']);
  });
});
