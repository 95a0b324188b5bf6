import { campaign, user } from './services.ts';
import type { RouteDefinition, ServiceDefinition } from './types.ts';

export { stateSchema } from './services.ts';
export type * from './types.ts';

/** Every service of the platform, in declaration order. Add a service here. */
export const registry: readonly ServiceDefinition[] = [user, campaign];

const byName = new Map(registry.map((s) => [s.name, s]));

export function getService(name: string): ServiceDefinition {
  const s = byName.get(name);
  if (!s) throw new Error(`Unknown service "${name}" (known: ${[...byName.keys()].join(', ')})`);
  return s;
}

/** CRUD event types the service's entity store emits, then the declared extra ones. */
export function emittedEvents(s: ServiceDefinition): string[] {
  const crud = ['created', 'updated', 'deleted'].map((v) => `${s.entity}.${v}`);
  return [...new Set([...crud, ...s.verbs.map((v) => v.emits), ...s.emits])];
}

/** The HTTP routes of a service, derived from its collection and verbs. */
export function serviceRoutes(s: ServiceDefinition): RouteDefinition[] {
  const base = `/api/${s.collection}`;
  return [
    { method: 'GET', path: `/api/${s.name}/health`, public: true },
    { method: 'POST', path: base },
    { method: 'GET', path: base },
    { method: 'GET', path: `${base}/{id}` },
    { method: 'PATCH', path: `${base}/{id}` },
    { method: 'DELETE', path: `${base}/{id}` },
    ...s.verbs.map((v): RouteDefinition => ({ method: 'POST', path: `${base}/{id}/${v.name}` })),
  ];
}

export const routeKey = (r: RouteDefinition): string => `${r.method} ${r.path}`;
