import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  canonicalCycle,
  cyclesThrough,
  elementaryCycles,
  findCycles,
  impact,
  stronglyConnectedComponents,
} from '../../../lib/amadeus/index.ts';
import { TemporaError } from '../../../lib/errors.ts';
import { registry } from '../../../lib/registry/index.ts';
import { EXPECTED_IMPACT, KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';

const graph = buildGraph(KNOWN_SERVICES);

describe('impact on the known fixture graph', () => {
  it.each(Object.entries(EXPECTED_IMPACT))('gives the exact report for %s', (name, expected) => {
    expect(impact(graph, name)).toEqual(expected);
  });

  it('finds the one cycle of the graph, starting at its smallest member', () => {
    expect(findCycles(graph)).toEqual({ cycles: [['a', 'b', 'c']], truncated: false });
  });

  it('answers an unknown service with a 404 naming the known ones', () => {
    let error: unknown;
    try {
      impact(graph, 'nope');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemporaError);
    const e = error as TemporaError;
    expect(e.status).toBe(404);
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('Unknown service "nope". Known services: a, b, c, d, e');
    expect(e.details).toEqual({ service: 'nope', known: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('does not treat inherited object keys as services', () => {
    expect(() => impact(graph, 'constructor')).toThrowError(/Unknown service "constructor"/);
    expect(() => impact(graph, '__proto__')).toThrowError(TemporaError);
  });
});

describe('cycle primitives', () => {
  // x ⇄ y, y → z → x, w → w (self-loop), v alone
  const adj = new Map([
    ['x', ['y']],
    ['y', ['x', 'z']],
    ['z', ['x']],
    ['w', ['w']],
    ['v', []],
  ]);

  it('lists every elementary cycle once, canonical and sorted by length then members', () => {
    expect(elementaryCycles(adj)).toEqual({
      cycles: [['w'], ['x', 'y'], ['x', 'y', 'z']],
      truncated: false,
    });
  });

  it('lists the cycles through one node, rotated to it', () => {
    expect(cyclesThrough(adj, 'z').cycles).toEqual([['z', 'x', 'y']]);
    expect(cyclesThrough(adj, 'v').cycles).toEqual([]);
    expect(cyclesThrough(adj, 'missing').cycles).toEqual([]);
  });

  it('stops at the limit and says so', () => {
    expect(elementaryCycles(adj, 1)).toEqual({ cycles: [['w']], truncated: true });
    expect(cyclesThrough(adj, 'x', 1)).toEqual({ cycles: [['x', 'y']], truncated: true });
  });

  it('computes strongly connected components', () => {
    expect(stronglyConnectedComponents(adj)).toEqual([['v'], ['w'], ['x', 'y', 'z']]);
  });

  it('canonicalises a cycle by rotation', () => {
    expect(canonicalCycle(['c', 'a', 'b'])).toEqual(['a', 'b', 'c']);
    expect(canonicalCycle([])).toEqual([]);
  });
});

describe('impact on the full registry', () => {
  const full = buildGraph(registry);

  it('answers for every service, never listing the service among its own dependents', () => {
    for (const name of Object.keys(full.services)) {
      const r = impact(full, name);
      expect(r.transitive_dependents).not.toContain(name);
      expect(r.transitive_dependencies).not.toContain(name);
      for (const d of r.direct_dependents) expect(r.transitive_dependents).toContain(d);
      for (const c of r.cycles) expect(c[0]).toBe(name);
    }
  });

  it('sees security (which depends on every service) behind every service but localization', () => {
    const r = impact(full, 'campaign');
    expect(r.direct_dependents).toEqual(['security']);
    expect(r.direct_dependencies).toEqual(['notification', 'user']);
    expect(r.cycles).toEqual([
      ['campaign', 'user', 'security'],
      ['campaign', 'notification', 'user', 'security'],
    ]);
    expect(impact(full, 'localization')).toMatchObject({
      direct_dependents: ['security'],
      transitive_dependencies: [],
      integrated_by: [],
      cycles: [],
    });
  });
});
