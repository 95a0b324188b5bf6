import { describe, expect, it } from 'vitest';
import { envelopeSchema } from '../../lib/events/envelope.ts';
import {
  emittedEvents,
  getService,
  registry,
  routeKey,
  type ServiceDefinition,
  serviceRoutes,
} from '../../lib/registry/index.ts';
import { ROLES } from '../../lib/registry/types.ts';

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
const known = new Set([...registered, ...PLATFORM_SERVICES]);
const EVENT_TYPE_RE = envelopeSchema.shape.type;

describe('the registry as a whole', () => {
  it('is not empty and has unique service names, entities, tables and collections', () => {
    expect(registry.length).toBeGreaterThan(0);
    for (const key of ['name', 'entity', 'table', 'collection'] as const) {
      const values = registry.map((s) => s[key]);
      expect(new Set(values).size, `duplicate ${key}: ${values.join(', ')}`).toBe(values.length);
    }
  });

  it('has globally unique route keys (API Gateway allows one integration per route)', () => {
    const keys = registry.flatMap((s) => serviceRoutes(s).map(routeKey));
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
});

describe.each(registry.map((s) => [s.name, s] as const))('service %s', (name, s: ServiceDefinition) => {
  it('has a logical table service_{service}_{entity-ish}', () => {
    expect(s.table).toMatch(/^service_[a-z]+_[a-z]+$/);
    expect(s.table.startsWith(`service_${s.name}_`)).toBe(true);
  });

  it('has a lower-case name and a collection path under /api', () => {
    expect(s.name).toMatch(/^[a-z]+$/);
    expect(s.entity).toMatch(/^[a-z][a-z_]*$/);
    expect(s.collection).toMatch(/^[a-z]+(\/[a-z]+)*$/);
  });

  it('exposes a public health route and authenticated CRUD', () => {
    const routes = serviceRoutes(s);
    const base = `/api/${s.collection}`;
    const byKey = new Map(routes.map((r) => [routeKey(r), r]));
    expect(byKey.get(`GET /api/${name}/health`)?.public).toBe(true);
    for (const key of [
      `POST ${base}`,
      `GET ${base}`,
      `GET ${base}/{id}`,
      `PATCH ${base}/{id}`,
      `DELETE ${base}/{id}`,
    ]) {
      expect(byKey.has(key), `missing route ${key}`).toBe(true);
      expect(byKey.get(key)?.public, `${key} must not be public`).toBeFalsy();
    }
    // Health is the only public route.
    expect(routes.filter((r) => r.public).map(routeKey)).toEqual([`GET /api/${name}/health`]);
  });

  it('has one POST route per verb, plus its declared extra routes under /api', () => {
    const keys = new Set(serviceRoutes(s).map(routeKey));
    for (const v of s.verbs) expect(keys.has(`POST /api/${s.collection}/{id}/${v.name}`)).toBe(true);
    for (const r of s.routes ?? []) {
      expect(keys.has(routeKey(r))).toBe(true);
      expect(r.path).toMatch(/^\/api\//);
    }
    expect(serviceRoutes(s)).toHaveLength(6 + s.verbs.length + (s.routes?.length ?? 0));
  });

  it('emits <entity>.created|updated|deleted, every verb event and the declared extras, once each', () => {
    const events = emittedEvents(s);
    for (const change of ['created', 'updated', 'deleted']) expect(events).toContain(`${s.entity}.${change}`);
    for (const v of s.verbs) expect(events).toContain(v.emits);
    for (const e of s.emits) expect(events).toContain(e);
    expect(new Set(events).size).toBe(events.length);
  });

  it('uses event types the envelope accepts', () => {
    for (const e of [...emittedEvents(s), ...s.consumes])
      expect(EVENT_TYPE_RE.safeParse(e).success, e).toBe(true);
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
