import { describe, expect, it } from 'vitest';
import { buildGraph, graphHash, type KgServiceInput } from '../../../lib/amadeus/index.ts';
import { emittedEvents, registry, routeKey, serviceRoutes } from '../../../lib/registry/index.ts';
import { KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';

const at = (iso: string) => () => new Date(iso);

describe('buildGraph on the registry', () => {
  const graph = buildGraph(registry, { now: at('2025-06-01T00:00:00Z') });

  it('has one node per registry service, in name order', () => {
    expect(Object.keys(graph.services)).toEqual(registry.map((s) => s.name).sort());
    expect(graph.format).toBe(1);
    expect(graph.version).toBe(0);
    expect(graph.generated_at).toBe('2025-06-01T00:00:00.000Z');
    expect(graph.last_updated).toBe(graph.generated_at);
  });

  it('copies every registry field and derives routes and events through the registry helpers', () => {
    for (const s of registry) {
      const node = graph.services[s.name]!;
      expect(node).toMatchObject({
        name: s.name,
        description: s.description,
        entity: s.entity,
        collection: s.collection,
        table: s.table,
        capabilities: [...s.capabilities].sort(),
        dependencies: [...s.dependencies].sort(),
        integration_points: [...s.integrationPoints].sort(),
      });
      expect(node.routes).toEqual(serviceRoutes(s).map(routeKey).sort());
      expect(node.events.emits).toEqual(emittedEvents(s).sort());
      expect(node.events.consumes).toEqual([...s.consumes].sort());
    }
    expect(graph.services.security!.routes).toContain('PUT /api/policies/{role}/{environment}/{category}');
    expect(graph.services.user!.events.emits).toContain('user.reactivated');
  });

  it('derives dependents and integrated_by from the other services', () => {
    expect(graph.services.security!.dependents).toEqual(['user']);
    expect(graph.services.localization!.dependents).toEqual(['security']);
    expect(graph.services.content!.dependents).toEqual(['analytics', 'moderation', 'search', 'security']);
    expect(graph.services.user!.integrated_by).toEqual(['localization']);
    for (const s of Object.values(graph.services))
      for (const d of s.dependencies)
        expect(graph.services[d]?.dependents ?? [], `${d} ← ${s.name}`).toContain(s.name);
  });

  it('maps every event type to its producers and consumers', () => {
    // A consumer subscribes by exact type, `*` or `prefix.*`.
    const consumersOf = (type: string) =>
      registry
        .filter((s) =>
          s.consumes.some(
            (c) => c === type || c === '*' || (c.endsWith('.*') && type.startsWith(c.slice(0, -1))),
          ),
        )
        .map((s) => s.name)
        .sort();
    expect(graph.events['campaign.created']).toEqual({
      producers: ['campaign'],
      consumers: consumersOf('campaign.created'),
    });
    expect(graph.events['user.reactivated']).toEqual({
      producers: ['user'],
      consumers: consumersOf('user.reactivated'),
    });
    const concrete = [...registry.flatMap((s) => emittedEvents(s)), ...registry.flatMap((s) => s.consumes)];
    expect(Object.keys(graph.events)).toEqual([...new Set(concrete.filter((t) => !t.endsWith('*')))].sort());
    for (const [type, e] of Object.entries(graph.events))
      expect(e.consumers, type).toEqual(consumersOf(type));
  });

  it('has every edge once, sorted by from, kind, to, with integration targets outside the registry kept', () => {
    const keys = graph.edges.map((e) => `${e.from}|${e.kind}|${e.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    const deps = graph.edges.filter((e) => e.kind === 'depends_on');
    expect(deps).toHaveLength(registry.reduce((n, s) => n + s.dependencies.length, 0));
    expect(graph.edges).toContainEqual({ from: 'campaign', to: 'nexus', kind: 'integrates_with' });
    expect(graph.edges).toContainEqual({ from: 'campaign', to: 'campaign.created', kind: 'emits' });
    expect(graph.services.nexus).toBeUndefined();
    const order = { depends_on: 0, integrates_with: 1, emits: 2, consumes: 3 };
    const sorted = [...graph.edges].sort((a, b) =>
      a.from !== b.from
        ? a.from < b.from
          ? -1
          : 1
        : order[a.kind] - order[b.kind] || (a.to < b.to ? -1 : 1),
    );
    expect(graph.edges).toEqual(sorted);
  });
});

describe('the graph hash', () => {
  const base = buildGraph(registry, { now: at('2025-06-01T00:00:00Z') });

  it('is a SHA-256 of the content, independent of build time, input order and list order', () => {
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    const shuffled = [...registry].reverse().map((s) => ({
      ...s,
      dependencies: [...s.dependencies].reverse(),
      capabilities: [...s.capabilities].reverse(),
    }));
    const again = buildGraph(shuffled, { now: at('2030-01-01T00:00:00Z') });
    expect(again.hash).toBe(base.hash);
    expect(JSON.stringify({ ...again, generated_at: 0, last_updated: 0 })).toBe(
      JSON.stringify({ ...base, generated_at: 0, last_updated: 0 }),
    );
    expect(graphHash(base)).toBe(base.hash);
  });

  it('changes when the content changes', () => {
    const changed = registry.map((s) =>
      s.name === 'talent' ? { ...s, capabilities: [...s.capabilities, 'contracts'] } : s,
    );
    expect(buildGraph(changed).hash).not.toBe(base.hash);
  });
});

describe('buildGraph on other inputs', () => {
  it('takes platform-style services: routes and events exactly as declared', () => {
    const nexus: KgServiceInput = {
      name: 'nexus',
      description: 'Event bus',
      capabilities: ['routing'],
      dependencies: [],
      integrationPoints: [],
      routes: [{ method: 'POST', path: '/api/events', summary: 'x' }],
      emits: ['nexus.routed'],
      consumes: ['campaign.created'],
    };
    const g = buildGraph([...registry, nexus]);
    expect(g.services.nexus).toMatchObject({
      entity: null,
      collection: null,
      table: null,
      routes: ['POST /api/events'],
      events: { emits: ['nexus.routed'], consumes: ['campaign.created'] },
    });
    expect(g.services.nexus!.integrated_by).toContain('campaign');
    expect(g.events['campaign.created']?.consumers).toContain('nexus');
  });

  it('builds the known fixture: consumers per event', () => {
    const g = buildGraph(KNOWN_SERVICES);
    expect(g.events).toEqual({
      'a.done': { producers: ['a'], consumers: ['b', 'c'] },
      'b.changed': { producers: ['b'], consumers: ['c', 'd'] },
    });
    expect(g.services.b!.dependents).toEqual(['a', 'd']);
  });

  it('adds wildcard subscribers (`*`, `prefix.*`) to every matching event type, without a wildcard key', () => {
    const audit: KgServiceInput = { ...KNOWN_SERVICES[4]!, name: 'audit', consumes: ['*'] };
    const aOnly: KgServiceInput = { ...KNOWN_SERVICES[4]!, name: 'watch', consumes: ['a.*'] };
    const g = buildGraph([...KNOWN_SERVICES, audit, aOnly]);
    expect(g.events).toEqual({
      'a.done': { producers: ['a'], consumers: ['audit', 'b', 'c', 'watch'] },
      'b.changed': { producers: ['b'], consumers: ['audit', 'c', 'd'] },
    });
    expect(g.services.audit!.events.consumes).toEqual(['*']);
    expect(g.edges).toContainEqual({ from: 'audit', to: '*', kind: 'consumes' });
  });

  it('refuses two services with the same name', () => {
    expect(() => buildGraph([...KNOWN_SERVICES, KNOWN_SERVICES[0]!])).toThrowError(
      /Duplicate service name "a"/,
    );
  });
});
