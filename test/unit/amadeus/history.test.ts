import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  diffGraphs,
  historyLimit,
  isEmptyDiff,
  type KgServiceInput,
  summarize,
} from '../../../lib/amadeus/index.ts';
import { registry } from '../../../lib/registry/index.ts';
import { KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';
import { InMemoryGraphHistory } from '../../kit/graph-history.ts';

const edit = (name: string, change: Partial<KgServiceInput>): KgServiceInput[] =>
  KNOWN_SERVICES.map((s) => (s.name === name ? { ...s, ...change } : s));

describe('diffGraphs', () => {
  const before = buildGraph(KNOWN_SERVICES);

  it('finds no change between equal registries', () => {
    const d = diffGraphs(before, buildGraph([...KNOWN_SERVICES].reverse()));
    expect(isEmptyDiff(d)).toBe(true);
    expect(d.from_hash).toBe(d.to_hash);
  });

  it('lists added and removed services and events, and field changes per service', () => {
    const next = [
      ...edit('a', {
        dependencies: ['b', 'e'],
        capabilities: ['omega'],
        description: 'Service a, rewritten',
        emits: ['a.done', 'a.failed'],
        routes: [],
      }).filter((s) => s.name !== 'c'),
      { ...KNOWN_SERVICES[4]!, name: 'f', consumes: ['a.failed'] },
    ];
    const d = diffGraphs(before, buildGraph(next));
    expect(d.services_added).toEqual(['f']);
    expect(d.services_removed).toEqual(['c']);
    expect(d.events_added).toEqual(['a.failed']);
    expect(d.events_removed).toEqual([]);
    expect(d.changed).toEqual([
      {
        service: 'a',
        fields: {
          description: { from: 'Service a', to: 'Service a, rewritten' },
          dependencies: { added: ['e'], removed: [] },
          capabilities: { added: ['omega'], removed: ['alpha'] },
          routes: { added: [], removed: ['GET /api/a/health'] },
          events: { emits: { added: ['a.failed'], removed: [] } },
        },
      },
    ]);
  });

  it('reports consumed events and integration points, not derived fields', () => {
    const d = diffGraphs(before, buildGraph(edit('d', { consumes: [], integrationPoints: [] })));
    // b.changed still has consumer c; a's `integrated_by`-style derived lists are not diffed.
    expect(d.changed).toEqual([
      {
        service: 'd',
        fields: {
          integration_points: { added: [], removed: ['nexus'] },
          events: { consumes: { added: [], removed: ['b.changed'] } },
        },
      },
    ]);
  });

  it('sees a registry entity changing its table', () => {
    const moved = registry.map((s) => (s.name === 'talent' ? { ...s, table: 'service_talent_v2' } : s));
    expect(diffGraphs(buildGraph(registry), buildGraph(moved)).changed).toEqual([
      { service: 'talent', fields: { table: { from: 'service_talent_profile', to: 'service_talent_v2' } } },
    ]);
  });
});

describe('InMemoryGraphHistory', () => {
  let clock = Date.parse('2025-06-01T00:00:00Z');
  const now = () => {
    clock += 60_000;
    return new Date(clock);
  };

  it('publishes version 1, ignores an unchanged graph, then publishes version 2 with its diff', async () => {
    const history = new InMemoryGraphHistory({ now });
    expect(await history.latest()).toBeUndefined();

    const first = await history.append(buildGraph(KNOWN_SERVICES));
    expect(first.created).toBe(true);
    expect(first.record).toMatchObject({ version: 1, changes_from_previous: null });
    expect(first.record.graph.version).toBe(1);
    expect(first.record.graph.last_updated).toBe(first.record.published_at);
    expect(first.record.hash).toBe(first.record.graph.hash);

    const same = await history.append(buildGraph([...KNOWN_SERVICES].reverse()));
    expect(same.created).toBe(false);
    expect(same.record).toBe(first.record);
    expect(await history.list()).toHaveLength(1);

    const second = await history.append(buildGraph(edit('e', { dependencies: ['a'] })));
    expect(second.created).toBe(true);
    expect(second.record.version).toBe(2);
    expect(second.record.changes_from_previous).toMatchObject({
      from_hash: first.record.hash,
      to_hash: second.record.hash,
      changed: [{ service: 'e', fields: { dependencies: { added: ['a'], removed: [] } } }],
    });
    expect(second.record.published_at > first.record.published_at).toBe(true);

    expect((await history.list()).map((r) => r.version)).toEqual([2, 1]);
    expect((await history.list(1)).map((r) => r.version)).toEqual([2]);
    expect((await history.latest())?.version).toBe(2);
    expect(summarize(second.record)).not.toHaveProperty('graph');
    expect(summarize(second.record)).toMatchObject({ version: 2, hash: second.record.hash });
  });

  it('keeps version numbers growing when it keeps only the newest versions', async () => {
    const history = new InMemoryGraphHistory({ now, keep: 2 });
    for (const caps of [['x'], ['y'], ['z']])
      await history.append(buildGraph(edit('e', { capabilities: caps })));
    expect((await history.list()).map((r) => r.version)).toEqual([3, 2]);
  });

  it('clamps page sizes', () => {
    expect(historyLimit(undefined)).toBe(20);
    expect(historyLimit(Number.NaN)).toBe(20);
    expect(historyLimit(0)).toBe(1);
    expect(historyLimit(500)).toBe(100);
    expect(historyLimit(7.9)).toBe(7);
  });
});
