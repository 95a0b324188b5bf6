/**
 * The services Amadeus reads, and what it derives of each one through the registry's own
 * helpers (routes, emitted events), so the graph never keeps a copy of its own.
 */
import { emittedEvents, platform, registry, routeKey, serviceRoutes } from '../registry/index.ts';
import type { ServiceDefinition } from '../registry/types.ts';
import type { KgServiceInput } from './types.ts';

/**
 * The platform services (lib/registry/platform.ts). They are valid targets of a dependency or an
 * integration point even in a graph built without them (see {@link externalNames}); in the
 * platform's own graph they are ordinary nodes.
 */
export const PLATFORM_SERVICE_NAMES: readonly string[] = platform.map((p) => p.name);

/** Every service the knowledge graph is built from: the registry's domain and platform services. */
export function allServices(): readonly KgServiceInput[] {
  return [...registry, ...platform];
}

/** Names referenced as known although not defined by `services` (platform services not yet registered). */
export function externalNames(services: readonly KgServiceInput[]): string[] {
  const defined = new Set(services.map((s) => s.name));
  return PLATFORM_SERVICE_NAMES.filter((n) => !defined.has(n));
}

/**
 * The service as a registry entity service, when it is one. The registry helpers used below
 * read only `name`, `entity`, `collection`, `verbs`, `routes` and `emits`, which this checks.
 */
function entityService(s: KgServiceInput): ServiceDefinition | undefined {
  return s.entity !== undefined && s.collection !== undefined && s.verbs !== undefined
    ? (s as ServiceDefinition)
    : undefined;
}

/** Route keys of a service: derived CRUD/verb routes plus extra ones, or just its declared routes. */
export function routeKeysOf(s: KgServiceInput): string[] {
  const es = entityService(s);
  return (es ? serviceRoutes(es) : (s.routes ?? [])).map(routeKey);
}

/** Event types a service emits: CRUD and verb events of its entity plus the declared ones. */
export function emitsOf(s: KgServiceInput): string[] {
  const es = entityService(s);
  return es ? emittedEvents(es) : [...s.emits];
}

/**
 * True when a consumed event type (`consumes` entry) covers `type`: the exact type, `*`
 * (every event: e.g. security's audit trail) or a `prefix.*` (every `prefix.…` event).
 */
export function eventMatches(consumed: string, type: string): boolean {
  if (consumed === '*' || consumed === type) return true;
  return consumed.endsWith('.*') && type.startsWith(consumed.slice(0, -1));
}

/** True when the consumed event type is a wildcard (`*` or `prefix.*`). */
export const isWildcard = (consumed: string): boolean => consumed === '*' || consumed.endsWith('.*');

/** Sorted copy without duplicates. */
export const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort(compare);

/** Plain code-unit order (locale-independent, so sorting is the same on every machine). */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
