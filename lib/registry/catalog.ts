/**
 * The catalogue of services: every domain service (lib/registry/domain.ts) and platform service
 * (lib/registry/platform.ts) by name, and the events each domain service emits.
 */
import { domainServices } from './domain.ts';
import { platform } from './platform.ts';
import type { PlatformServiceDefinition, ServiceDefinition } from './types.ts';

/** Every service of the platform, in declaration order (lib/registry/domain.ts). */
export const registry: readonly ServiceDefinition[] = domainServices;

const byName = new Map(registry.map((s) => [s.name, s]));

export function getService(name: string): ServiceDefinition {
  const s = byName.get(name);
  if (!s) throw new Error(`Unknown service "${name}" (known: ${[...byName.keys()].join(', ')})`);
  return s;
}

/** CRUD event types the service's entity store emits, then the declared extra ones. */
export function emittedEvents(s: ServiceDefinition): string[] {
  // A service whose table is not an entity collection (crud: false) emits no CRUD events.
  const crud = s.crud === false ? [] : ['created', 'updated', 'deleted'].map((v) => `${s.entity}.${v}`);
  return [...new Set([...crud, ...s.verbs.map((v) => v.emits), ...s.emits])];
}

/** A platform service by name (lib/registry/platform.ts). */
export function getPlatformService(name: string): PlatformServiceDefinition {
  const p = platform.find((s) => s.name === name);
  if (!p) throw new Error(`Unknown platform service "${name}"`);
  return p;
}
