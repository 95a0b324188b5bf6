/**
 * The `service_specific` namespaces are listed once, in lib/metadata (SERVICE_NAMESPACES, below
 * the registry); the registry's services name theirs from it. Both sides computed from the code.
 */
import { describe, expect, it } from 'vitest';
import { knownNamespaces, parseMetadata, SERVICE_NAMESPACES } from '../../../lib/entity-metadata/index.ts';
import { registry } from '../../../lib/registry/index.ts';

describe('service namespaces', () => {
  const owned = registry.flatMap((s) => (s.namespace ? [{ service: s.name, namespace: s.namespace }] : []));

  it('every namespace is owned by exactly one registry service, the one of the same name', () => {
    expect(owned.map((o) => o.namespace).sort()).toEqual(Object.keys(SERVICE_NAMESPACES).sort());
    for (const o of owned) expect(o.service).toBe(o.namespace);
  });

  it('the metadata schema validates exactly those namespaces (strict: a wrong type in each is refused)', () => {
    for (const name of Object.keys(SERVICE_NAMESPACES)) {
      expect(knownNamespaces[name]).toBe(SERVICE_NAMESPACES[name as keyof typeof SERVICE_NAMESPACES]);
      expect(() => parseMetadata({ service_specific: { [name]: 'not-an-object' } })).toThrow();
      expect(parseMetadata({ service_specific: { [name]: {} } }).service_specific).toEqual({ [name]: {} });
    }
  });
});
