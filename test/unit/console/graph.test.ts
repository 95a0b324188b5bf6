/**
 * The console's services graph (console/src/views/graph-model.ts, graph-layout.ts) on the
 * registry's real graph: the hubs become rails, no arrow points at a rail, boxes do not overlap
 * and sit above the rails; and the Ask view's fact tables (ask-facts.ts).
 */
import { describe, expect, it } from 'vitest';
import { cell, factTables } from '../../../console/src/views/ask-facts.ts';
import { layoutGraph } from '../../../console/src/views/graph-layout.ts';
import {
  type GraphLayout,
  neighbourhood,
  pathOf,
  railsOf,
  relations,
  type Services,
} from '../../../console/src/views/graph-model.ts';
import { allServices, buildGraph } from '../../../lib/amadeus/index.ts';

const services: Services = buildGraph(allServices()).services;

describe('relations and rails (graph-model.ts)', () => {
  it('keeps one relation per ordered pair, "depends on" over "integrates with", and drops unknown or self links', () => {
    expect(
      relations({
        a: { dependencies: ['b', 'ghost', 'a'], integration_points: ['b', 'c'] },
        b: { dependencies: [], integration_points: ['a'] },
        c: { dependencies: [], integration_points: [] },
      }),
    ).toEqual([
      { from: 'a', to: 'b', kind: 'depends' },
      { from: 'a', to: 'c', kind: 'integrates' },
      { from: 'b', to: 'a', kind: 'integrates' },
    ]);
  });

  it("makes rails of the registry's hubs: the bus and the shared services, most linked first", () => {
    expect(railsOf(services)).toEqual(['nexus', 'security', 'user']);
  });

  it('makes no rail of a small graph or of a chain', () => {
    const chain: Services = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i, all) => [
        n,
        { dependencies: all[i + 1] ? [all[i + 1] as string] : [], integration_points: [] },
      ]),
    );
    expect(railsOf(chain)).toEqual([]);
    expect(
      railsOf({
        a: { dependencies: ['b'], integration_points: [] },
        b: { dependencies: [], integration_points: [] },
      }),
    ).toEqual([]);
  });
});

describe('the layout (graph-layout.ts) of the registry graph', () => {
  const l: GraphLayout = layoutGraph(services);
  const rails = new Set(l.rails.map((r) => r.name));

  it('draws every service once: a box, or a rail', () => {
    const drawn = [...l.nodes.map((n) => n.name), ...l.rails.map((r) => r.name)].sort();
    expect(drawn).toEqual(Object.keys(services).sort());
    for (const n of l.nodes) expect(rails.has(n.name)).toBe(false);
  });

  it('draws an arrow for each relation between boxes and none to or from a rail', () => {
    const expected = relations(services).filter((r) => !rails.has(r.from) && !rails.has(r.to));
    expect(l.edges.map(({ from, to, kind }) => ({ from, to, kind }))).toEqual(expected);
    expect(l.edges.length).toBeLessThan(relations(services).length / 2);
    for (const e of l.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it("gives each box a tap per rail it is linked to, saying how, and lists the rail's users", () => {
    const campaign = l.nodes.find((n) => n.name === 'campaign');
    expect(campaign?.taps.map((t) => t.rail)).toEqual(['nexus', 'security', 'user']);
    expect(campaign?.taps.find((t) => t.rail === 'user')?.links).toEqual(['campaign depends on user']);
    expect(campaign?.taps.find((t) => t.rail === 'security')?.links).toEqual([
      'security depends on campaign',
    ]);
    for (const r of l.rails) {
      const users = l.nodes.filter((n) => n.taps.some((t) => t.rail === r.name)).map((n) => n.name);
      expect(r.taps).toEqual(users);
      expect(r.letter).toMatch(/^[A-Z][a-z]?$/);
    }
    expect(l.rails.find((r) => r.name === 'user')?.links).toContain('user depends on security');
  });

  it('keeps boxes apart, inside the drawing and above the rails, the rails in order', () => {
    const box = (n: (typeof l.nodes)[number]) => ({
      left: n.x - n.width / 2,
      right: n.x + n.width / 2,
      top: n.y - n.height / 2,
      bottom: n.y + n.height / 2,
    });
    const boxes = l.nodes.map(box);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1))
        expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
    const firstRail = Math.min(...l.rails.map((r) => r.y));
    for (const b of boxes) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(l.width);
      expect(b.bottom).toBeLessThan(firstRail);
    }
    expect(l.rails.map((r) => r.y)).toEqual([...l.rails.map((r) => r.y)].sort((a, b) => a - b));
    expect(Math.max(...l.rails.map((r) => r.y))).toBeLessThanOrEqual(l.height);
  });

  it('is deterministic', () => {
    expect(layoutGraph(services)).toEqual(l);
  });

  it('lights up the neighbours of a box, or the users of a rail', () => {
    const n = neighbourhood(l, 'campaign');
    expect([...n.services].sort()).toEqual(
      ['broadcast', 'campaign', 'notification', 'nexus', 'security', 'user'].sort(),
    );
    expect([...n.edges].map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      'broadcast->campaign',
      'campaign->notification',
    ]);
    const bus = neighbourhood(l, 'nexus');
    expect(bus.edges.size).toBe(0);
    expect([...bus.services].sort()).toEqual(['nexus', ...(l.rails[0]?.taps ?? [])].sort());
  });
});

describe('pathOf', () => {
  it('draws a straight segment, or rounds each bend', () => {
    expect(pathOf([])).toBe('');
    expect(
      pathOf([
        { x: 0, y: 0 },
        { x: 10, y: 10 },
      ]),
    ).toBe('M0,0 L10,10');
    expect(
      pathOf([
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 10 },
      ]),
    ).toBe('M0,0 Q10,0 10,5 L10,10');
  });
});

describe("the Ask view's facts (ask-facts.ts)", () => {
  it('groups facts by kind, each with the columns its facts have, in the order met', () => {
    const tables = factTables([
      { kind: 'service', name: 'broadcast', relation: 'direct_dependent' },
      { kind: 'intent', id: 'i1', status: 'scheduled' },
      { kind: 'service', name: 'nexus', relation: 'integrated_by', note: 'x' },
    ]);
    expect(tables.map((t) => [t.kind, t.columns, t.rows.length])).toEqual([
      ['service', ['name', 'relation', 'note'], 2],
      ['intent', ['id', 'status'], 1],
    ]);
  });

  it('shows lists joined, objects as JSON and nothing for a missing value', () => {
    expect(cell(['user.reactivated', 'policy_override'])).toBe('user.reactivated, policy_override');
    expect(cell({ id: 'u1' })).toBe('{"id":"u1"}');
    expect(cell(undefined)).toBe('');
    expect(cell(200)).toBe('200');
  });
});
