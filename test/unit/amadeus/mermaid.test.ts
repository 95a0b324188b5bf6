import { describe, expect, it } from 'vitest';
import { buildGraph, type KgServiceInput, toMermaid } from '../../../lib/amadeus/index.ts';
import { TemporaError } from '../../../lib/errors.ts';
import { registry } from '../../../lib/registry/index.ts';
import { KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';

describe('toMermaid', () => {
  it('draws the known fixture exactly', () => {
    expect(toMermaid(buildGraph(KNOWN_SERVICES))).toBe(
      [
        'graph LR',
        '  svc_a["a"]',
        '  svc_b["b"]',
        '  svc_c["c"]',
        '  svc_d["d"]',
        '  svc_e["e"]',
        '  svc_nexus("nexus")',
        '  svc_a -->|depends on| svc_b',
        '  svc_a -.->|integrates with| svc_d',
        '  svc_b -->|depends on| svc_c',
        '  svc_c -->|depends on| svc_a',
        '  svc_d -->|depends on| svc_b',
        '  svc_d -.->|integrates with| svc_nexus',
        '',
      ].join('\n'),
    );
  });

  it('draws the registry: one node per service, one arrow per dependency and integration point', () => {
    const text = toMermaid(buildGraph(registry));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('graph LR');
    for (const s of registry) expect(lines).toContain(`  svc_${s.name}["${s.name}"]`);
    const deps = registry.reduce((n, s) => n + s.dependencies.length, 0);
    const integrations = registry.reduce((n, s) => n + s.integrationPoints.length, 0);
    expect(lines.filter((l) => l.includes('-->|depends on|'))).toHaveLength(deps);
    expect(lines.filter((l) => l.includes('-.->|integrates with|'))).toHaveLength(integrations);
    expect(lines).toContain('  svc_campaign -->|depends on| svc_user');
    expect(toMermaid(buildGraph(registry), { dependenciesOnly: true })).not.toContain('-.->');
    expect(toMermaid(buildGraph(registry), { direction: 'TD' }).startsWith('graph TD\n')).toBe(true);
  });

  it('focuses on one service and its neighbours', () => {
    const text = toMermaid(buildGraph(KNOWN_SERVICES), { focus: 'b' });
    expect(text).toBe(
      [
        'graph LR',
        '  svc_a["a"]',
        '  svc_b["b"]',
        '  svc_c["c"]',
        '  svc_d["d"]',
        '  svc_a -->|depends on| svc_b',
        '  svc_b -->|depends on| svc_c',
        '  svc_d -->|depends on| svc_b',
        '  classDef focus stroke-width:3px',
        '  class svc_b focus',
        '',
      ].join('\n'),
    );
    expect(toMermaid(buildGraph(KNOWN_SERVICES), { focus: 'e' })).toContain('  svc_e["e"]\n  classDef');
  });

  it('refuses an unknown focus with a 404 naming the known services', () => {
    expect(() => toMermaid(buildGraph(KNOWN_SERVICES), { focus: 'zz' })).toThrowError(TemporaError);
    expect(() => toMermaid(buildGraph(KNOWN_SERVICES), { focus: 'zz' })).toThrowError(
      /Known services: a, b, c, d, e/,
    );
  });

  it('sanitises node ids (unique, keyword-safe) and escapes labels', () => {
    const svc = (name: string, dependencies: string[] = []): KgServiceInput => ({
      name,
      description: name,
      capabilities: [],
      dependencies,
      integrationPoints: [],
      emits: [],
      consumes: [],
    });
    const text = toMermaid(buildGraph([svc('end'), svc('a-b', ['end']), svc('a_b', ['a-b']), svc('x"<y>#')]));
    expect(text).toContain('  svc_end["end"]');
    expect(text).toContain('  svc_a_b["a-b"]');
    expect(text).toContain('  svc_a_b_2["a_b"]');
    expect(text).toContain('  svc_a_b -->|depends on| svc_end');
    expect(text).toContain('  svc_a_b_2 -->|depends on| svc_a_b');
    expect(text).toContain('  svc_x__y__["x#34;#60;y#62;#35;"]');
  });
});
