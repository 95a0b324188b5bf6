import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { envelopeSchema } from '../../../lib/events/envelope.ts';
import { entityRoutes, type ServiceDeps } from '../../../lib/lambda-kit/entity-service.ts';
import { PolicyStore } from '../../../lib/policy/store.ts';
import { declared } from '../../../lib/registry/declared.ts';
import { DOMAIN_ROUTES } from '../../../lib/registry/domain-routes.ts';
import {
  collectionRoutes,
  emittedEvents,
  getService,
  healthPath,
  platform,
  registry,
  routeKey,
  type ServiceDefinition,
  serviceRoutes,
} from '../../../lib/registry/index.ts';
import { ROLES } from '../../../lib/registry/types.ts';
import { AUDIT_INDEXES } from '../../../lib/security/audit.ts';
import { securityRoutes } from '../../../lib/security/lambda.ts';

/** A dependency the route table is built with but never called while building it. */
const unused = <T>(what: string): T =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error(`${what} used while only building routes`);
      },
    },
  ) as T;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The domain services the contract names (/work/shared/CONTRACT.md, "Names"). */
const CONTRACT_DOMAIN_SERVICES = [
  'user',
  'notification',
  'campaign',
  'referral',
  'security',
  'content',
  'commerce',
  'localization',
  'search',
  'admin',
  'analytics',
  'moderation',
  'talent',
];
/** The collections the contract names ("HTTPS API"). */
const CONTRACT_COLLECTIONS = [
  'users',
  'campaigns',
  'content',
  'notifications',
  'referrals',
  'orders',
  'talent',
  'moderation/cases',
  'admin/users',
  'analytics/events',
  'security/audits',
  'localization/jobs',
  'search',
];
/**
 * Documented allowlist of names a dependency or integration point may use besides the
 * registry's services: the contract's platform services, which are not entity services and
 * so never appear in the registry. Anything else is a typo or a service nobody planned.
 * (Domain services not yet registered would go here too, and leave when registered: a test
 * below enforces that; today the registry holds every domain service of the contract.)
 */
const PLATFORM_SERVICES = ['nexus', 'scheduler', 'broadcast', 'amadeus'];

const registered = new Set(registry.map((s) => s.name));
/** Platform services lib/registry/platform.ts declares (infra builds them; Amadeus sees them). */
const declaredPlatform = new Set(platform.map((p) => p.name));
const known = new Set([...registered, ...PLATFORM_SERVICES, ...declaredPlatform]);
const EVENT_TYPE_RE = envelopeSchema.shape.type;
/** `consumes` entries: an event type, or `*` (every Tempora event) on its own. */
const consumesSchema = z.union([z.tuple([z.literal('*')]), z.array(EVENT_TYPE_RE)]);
/** The platform route infra adds besides the services' routes (infra/stack.ts, PlatformHealth). */
const PLATFORM_HEALTH_ROUTE = 'GET /api/health';

describe('the registry as a whole', () => {
  it('is not empty and has unique service names, entities, tables and collections', () => {
    expect(registry.length).toBeGreaterThan(0);
    for (const key of ['name', 'entity', 'table', 'collection'] as const) {
      const values = registry.map((s) => s[key]);
      expect(new Set(values).size, `duplicate ${key}: ${values.join(', ')}`).toBe(values.length);
    }
  });

  it('has globally unique route keys across services, platform services and /api/health', () => {
    const keys = [
      ...registry.flatMap((s) => serviceRoutes(s).map(routeKey)),
      ...platform.flatMap((p) => p.routes.map(routeKey)),
      PLATFORM_HEALTH_ROUTE,
    ];
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(dupes).toEqual([]);
  });

  it('getService finds every service and refuses an unknown one', () => {
    for (const s of registry) expect(getService(s.name)).toBe(s);
    expect(() => getService('nope')).toThrowError(/Unknown service "nope"/);
  });

  it('keeps the allowlist honest: no registered service is also listed as a platform service', () => {
    expect(PLATFORM_SERVICES.filter((p) => registered.has(p))).toEqual([]);
  });

  it('holds exactly the domain services and collections of the contract', () => {
    expect([...registered].sort()).toEqual([...CONTRACT_DOMAIN_SERVICES].sort());
    expect(registry.map((s) => s.collection).sort()).toEqual([...CONTRACT_COLLECTIONS].sort());
  });

  it("uses the contract's example table names", () => {
    const tables = new Map(registry.map((s) => [s.name, s.table]));
    expect(
      Object.fromEntries(['user', 'campaign', 'commerce', 'analytics'].map((n) => [n, tables.get(n)])),
    ).toEqual({
      user: 'service_user_master',
      campaign: 'service_campaign_main',
      commerce: 'service_commerce_order',
      analytics: 'service_analytics_event',
    });
  });

  it('has a dependency graph without unknown names, and every dependency of a service is known', () => {
    const edges = registry.flatMap((s) => s.dependencies.map((d) => [s.name, d] as const));
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.filter(([, d]) => !known.has(d))).toEqual([]);
  });

  it('has exactly one non-CRUD service today: security, the audit trail', () => {
    expect(registry.filter((s) => s.crud === false).map((s) => s.name)).toEqual(['security']);
  });

  it("declares the security table's indexes exactly as the audit log queries them", () => {
    expect(getService('security').tableIndexes).toEqual([AUDIT_INDEXES.byEntity, AUDIT_INDEXES.byType]);
  });
});

describe('emittedEvents (as implemented: CRUD events, then verb events, then declared extras, once each)', () => {
  it('lists the CRUD events of entity services only: a crud: false one emits none', () => {
    expect(emittedEvents(getService('security'))).toEqual([]);
    expect(emittedEvents(getService('talent'))).toEqual([
      'talent.created',
      'talent.updated',
      'talent.deleted',
    ]);
  });

  it('appends verb events in declaration order', () => {
    expect(emittedEvents(getService('user'))).toEqual([
      'user.created',
      'user.updated',
      'user.deleted',
      'user.reactivated',
    ]);
    expect(emittedEvents(getService('campaign'))).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.deleted',
      'policy_override',
    ]);
  });

  it('appends declared extras and removes duplicates, keeping the first position', () => {
    const base = getService('campaign');
    const s: ServiceDefinition = {
      ...base,
      verbs: [...base.verbs, { name: 'close', emits: 'campaign.updated', roles: ['admin'] }],
      emits: ['campaign.closed', 'policy_override', 'campaign.closed'],
    };
    expect(emittedEvents(s)).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.deleted',
      'policy_override',
      'campaign.closed',
    ]);
  });
});

describe('collectionRoutes and serviceRoutes', () => {
  it('a crud: false service gets only its health route from its collection, then its declared routes', () => {
    const s: ServiceDefinition = {
      ...getService('talent'),
      crud: false,
      routes: [{ method: 'GET', path: '/api/x', summary: 'x' }],
    };
    expect(collectionRoutes(s).map(routeKey)).toEqual(['GET /api/talent/health']);
    expect(collectionRoutes(s)[0]?.public).toBe(true);
    expect(serviceRoutes(s).map(routeKey)).toEqual(['GET /api/talent/health', 'GET /api/x']);
  });

  it('a CRUD service gets health, CRUD and one POST per verb, in that order, then its declared routes', () => {
    const s: ServiceDefinition = {
      ...getService('user'),
      routes: [{ method: 'PUT', path: '/api/y', summary: 'y' }],
    };
    expect(serviceRoutes(s).map(routeKey)).toEqual([
      'GET /api/users/health',
      'POST /api/users',
      'GET /api/users',
      'GET /api/users/{id}',
      'PATCH /api/users/{id}',
      'DELETE /api/users/{id}',
      'POST /api/users/{id}/reactivate',
      'PUT /api/y',
    ]);
  });

  it('serves exactly the routes the security Lambda implements: its collection routes and securityRoutes', () => {
    const security = getService('security');
    const deps: ServiceDeps = {
      store: unused('store'),
      policies: new PolicyStore('policies', unused('ddb')),
      environment: 'dev',
    };
    const implemented = Object.keys({
      ...entityRoutes(
        security,
        () => unused('store'),
        async () => unused('health'),
      ),
      ...securityRoutes(deps, () => unused('audit log')),
    });
    expect(implemented.sort()).toEqual(serviceRoutes(security).map(routeKey).sort());
  });
});

describe.each(registry.map((s) => [s.name, s] as const))('service %s', (name, s: ServiceDefinition) => {
  const crud = s.crud !== false;
  const base = `/api/${s.collection}`;
  const crudKeys = [
    `POST ${base}`,
    `GET ${base}`,
    `GET ${base}/{id}`,
    `PATCH ${base}/{id}`,
    `DELETE ${base}/{id}`,
  ];

  it('has a handler in the HTTP kit for every collection route it declares, and no other', () => {
    const routes = entityRoutes(
      s,
      () => unused('store'),
      async () => unused('health'),
    );
    expect(Object.keys(routes).sort()).toEqual(collectionRoutes(s).map(routeKey).sort());
  });

  it('has a logical table service_{service}_{entity-ish}', () => {
    expect(s.table).toMatch(/^service_[a-z]+_[a-z]+$/);
    expect(s.table.startsWith(`service_${s.name}_`)).toBe(true);
  });

  it('has a lower-case name and a collection path under /api', () => {
    expect(s.name).toMatch(/^[a-z]+$/);
    expect(s.entity).toMatch(/^[a-z][a-z_]*$/);
    expect(s.collection).toMatch(/^[a-z]+(\/[a-z]+)*$/);
  });

  it('has a Lambda folder functions/<name>/index.ts', () => {
    expect(fs.existsSync(path.join(ROOT, 'functions', s.name, 'index.ts'))).toBe(true);
  });

  it(
    crud
      ? 'exposes a public health route and authenticated CRUD'
      : 'exposes a public health route, no CRUD from its collection, only its declared routes',
    () => {
      const routes = serviceRoutes(s);
      const byKey = new Map(routes.map((r) => [routeKey(r), r]));
      expect(byKey.get(`GET /api/${s.collection}/health`)?.public).toBe(true);
      if (crud) {
        for (const key of crudKeys) {
          expect(byKey.has(key), `missing route ${key}`).toBe(true);
          expect(byKey.get(key)?.public, `${key} must not be public`).toBeFalsy();
        }
      } else {
        expect(collectionRoutes(s).map(routeKey)).toEqual([`GET ${healthPath(s)}`]);
        expect(routes.map(routeKey)).toEqual([`GET ${healthPath(s)}`, ...(s.routes ?? []).map(routeKey)]);
      }
      // Health is the only public route.
      expect(routes.filter((r) => r.public).map(routeKey)).toEqual([`GET ${healthPath(s)}`]);
    },
  );

  it('has one POST route per verb (CRUD services), plus its declared extra routes under /api (each replacing a derived one of the same key)', () => {
    const keys = new Set(serviceRoutes(s).map(routeKey));
    for (const v of s.verbs) expect(keys.has(`POST ${base}/{id}/${v.name}`)).toBe(true);
    for (const r of s.routes ?? []) {
      expect(keys.has(routeKey(r))).toBe(true);
      expect(r.path).toMatch(/^\/api\//);
      expect(r.public, `${routeKey(r)} must not be public`).toBeFalsy();
    }
    const fromCollection = crud ? 6 + s.verbs.length : 1;
    expect(collectionRoutes(s)).toHaveLength(fromCollection);
    const replaced = collectionRoutes(s).filter((r) =>
      (s.routes ?? []).some((x) => routeKey(x) === routeKey(r)),
    );
    expect(serviceRoutes(s)).toHaveLength(fromCollection + (s.routes?.length ?? 0) - replaced.length);
    expect(keys.size).toBe(serviceRoutes(s).length);
  });

  it(
    crud
      ? 'is an entity collection: the entity indexes, no tableIndexes of its own'
      : 'declares its table indexes and no verbs (a verb would get no route)',
    () => {
      if (crud) {
        expect(s.tableIndexes).toBeUndefined();
      } else {
        expect(s.verbs).toEqual([]);
        expect(s.tableIndexes?.length).toBeGreaterThan(0);
        const names = (s.tableIndexes ?? []).map((i) => i.name);
        expect(new Set(names).size).toBe(names.length);
      }
    },
  );

  it('emits <entity>.created|updated|deleted, every verb event and the declared extras, once each', () => {
    const events = emittedEvents(s);
    for (const change of ['created', 'updated', 'deleted']) {
      if (s.crud === false) expect(events).not.toContain(`${s.entity}.${change}`);
      else expect(events).toContain(`${s.entity}.${change}`);
    }
    for (const v of s.verbs) expect(events).toContain(v.emits);
    for (const e of s.emits) expect(events).toContain(e);
    expect(new Set(events).size).toBe(events.length);
  });

  it('uses event types the envelope accepts; consumes is event types or `*` alone', () => {
    for (const e of emittedEvents(s)) expect(EVENT_TYPE_RE.safeParse(e).success, e).toBe(true);
    expect(consumesSchema.safeParse(s.consumes).success, JSON.stringify(s.consumes)).toBe(true);
  });

  it('grants every CRUD operation and verb to known roles only, with operators able to do everything', () => {
    for (const [op, roles] of Object.entries(s.access)) {
      expect(roles.length, `${op} has no role`).toBeGreaterThan(0);
      for (const r of roles) expect(ROLES).toContain(r);
    }
    for (const v of s.verbs) for (const r of v.roles) expect(ROLES).toContain(r);
    for (const roles of [...Object.values(s.access), ...s.verbs.map((v) => v.roles)]) {
      expect(roles).toContain('admin');
    }
  });

  it('has verbs with unique, URL-safe names', () => {
    const names = s.verbs.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z_-]*$/);
  });

  it('depends only on services of the registry or planned by the contract, never on itself', () => {
    const unknown = [...s.dependencies, ...s.integrationPoints].filter((d) => !known.has(d));
    expect(unknown, `unknown service(s) named by ${name}`).toEqual([]);
    expect(s.dependencies).not.toContain(name);
  });

  it('declares a fields schema that rejects unknown fields (strict object)', () => {
    const r = s.fields.safeParse({ definitely_not_a_field: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });
});

describe('the consumes schema itself', () => {
  it('accepts `*` alone and event types, refuses `*` mixed with types and malformed types', () => {
    expect(consumesSchema.safeParse(['*']).success).toBe(true);
    expect(consumesSchema.safeParse(['user.created', 'policy_override']).success).toBe(true);
    expect(consumesSchema.safeParse([]).success).toBe(true);
    expect(consumesSchema.safeParse(['*', 'user.created']).success).toBe(false);
    expect(consumesSchema.safeParse(['User.Created']).success).toBe(false);
  });
});

describe.each(platform.map((p) => [p.name, p] as const))('platform service %s', (name, p) => {
  it('is not also a registry service', () => {
    expect(registered.has(name)).toBe(false);
  });

  it('has a Lambda folder functions/<folder>/index.ts', () => {
    expect(fs.existsSync(path.join(ROOT, 'functions', p.folder, 'index.ts'))).toBe(true);
  });

  it('has routes under /api, public only for a health route', () => {
    for (const r of p.routes) {
      expect(r.path).toMatch(/^\/api\//);
      expect(Boolean(r.public), routeKey(r)).toBe(r.path === `/api/${name}/health`);
    }
  });

  it('consumes event types or `*` alone, emits event types the envelope accepts', () => {
    expect(consumesSchema.safeParse(p.consumes).success, JSON.stringify(p.consumes)).toBe(true);
    for (const e of p.emits) expect(EVENT_TYPE_RE.safeParse(e).success, e).toBe(true);
  });

  it('names only known services as dependencies and integration points', () => {
    const unknown = [...p.dependencies, ...p.integrationPoints].filter((d) => !known.has(d));
    expect(unknown).toEqual([]);
    expect(p.dependencies).not.toContain(name);
  });
});

describe('platform services as infra builds them', () => {
  it('have unique names and folders; the scheduler consumes every event', () => {
    expect(declaredPlatform.size).toBe(platform.length);
    expect(new Set(platform.map((p) => p.folder)).size).toBe(platform.length);
    expect(platform.find((p) => p.name === 'scheduler')?.consumes).toEqual(['*']);
  });
});

describe('lists derived from the registry, not kept by hand', () => {
  it('localization consumes created/updated of every entity collection', () => {
    const entities = registry.filter((s) => s.crud !== false).map((s) => s.entity);
    expect(getService('localization').consumes).toEqual(
      entities.flatMap((e) => [`${e}.created`, `${e}.updated`]),
    );
  });

  it('joins each service its extra routes (lib/registry/domain-routes.ts), keyed by a declared service', () => {
    const names = declared.map((s) => s.name);
    for (const name of Object.keys(DOMAIN_ROUTES)) expect(names).toContain(name);
    for (const [name, routes] of Object.entries(DOMAIN_ROUTES)) {
      expect(getService(name).routes?.slice(0, routes.length)).toEqual(routes);
    }
  });

  it('keeps the declarations the entity stores read free of routes', () => {
    expect(declared.map((s) => s.name)).toEqual(registry.map((s) => s.name));
    for (const s of declared) expect(s.routes).toBeUndefined();
  });
});
