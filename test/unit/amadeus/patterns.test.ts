import { describe, expect, it } from 'vitest';
import { diffPatternEdges, entitiesUsingPattern, patternEdges } from '../../../lib/amadeus/index.ts';
import { parseMetadata } from '../../../lib/entity-metadata/index.ts';

describe('patternEdges', () => {
  it('turns metadata.knowledge_graph into a uses_pattern edge and one depends_on edge per dependency', () => {
    const metadata = parseMetadata({
      knowledge_graph: { pattern: 'waitlist', dependencies: ['user', 'notification', 'user'] },
    });
    expect(patternEdges({ type: 'campaign', id: 'c1', metadata })).toEqual([
      { from: { type: 'campaign', id: 'c1' }, to: 'waitlist', kind: 'uses_pattern' },
      { from: { type: 'campaign', id: 'c1' }, to: 'notification', kind: 'depends_on' },
      { from: { type: 'campaign', id: 'c1' }, to: 'user', kind: 'depends_on' },
    ]);
  });

  it('gives no edge without knowledge_graph, and ignores blank or non-string values', () => {
    expect(patternEdges({ type: 'campaign', id: 'c1' })).toEqual([]);
    expect(patternEdges({ type: 'campaign', id: 'c1', metadata: null })).toEqual([]);
    expect(patternEdges({ type: 'campaign', id: 'c1', metadata: { tags: ['x'] } as never })).toEqual([]);
    expect(
      patternEdges({
        type: 'user',
        id: 'u1',
        metadata: { knowledge_graph: { pattern: '  ', dependencies: ['', 3, ' search '] } },
      }),
    ).toEqual([{ from: { type: 'user', id: 'u1' }, to: 'search', kind: 'depends_on' }]);
    expect(
      patternEdges({
        type: 'user',
        id: 'u1',
        metadata: { knowledge_graph: { pattern: 7, dependencies: 'user' } },
      }),
    ).toEqual([]);
  });
});

describe('entitiesUsingPattern and diffPatternEdges', () => {
  const edges = [
    ...patternEdges({ type: 'campaign', id: 'c2', metadata: { knowledge_graph: { pattern: 'waitlist' } } }),
    ...patternEdges({ type: 'campaign', id: 'c1', metadata: { knowledge_graph: { pattern: 'waitlist' } } }),
    ...patternEdges({ type: 'content', id: 'a1', metadata: { knowledge_graph: { pattern: 'waitlist' } } }),
    ...patternEdges({ type: 'campaign', id: 'c3', metadata: { knowledge_graph: { pattern: 'referral' } } }),
    ...patternEdges({ type: 'campaign', id: 'c1', metadata: { knowledge_graph: { pattern: 'waitlist' } } }),
  ];

  it('lists the entities of a pattern once each, sorted by type then id', () => {
    expect(entitiesUsingPattern(edges, 'waitlist')).toEqual([
      { type: 'campaign', id: 'c1' },
      { type: 'campaign', id: 'c2' },
      { type: 'content', id: 'a1' },
    ]);
    expect(entitiesUsingPattern(edges, 'none')).toEqual([]);
  });

  it('gives the edges to write and delete when the metadata changes', () => {
    const before = patternEdges({
      type: 'campaign',
      id: 'c1',
      metadata: { knowledge_graph: { pattern: 'waitlist', dependencies: ['user'] } },
    });
    const after = patternEdges({
      type: 'campaign',
      id: 'c1',
      metadata: { knowledge_graph: { pattern: 'referral', dependencies: ['user'] } },
    });
    expect(diffPatternEdges(before, after)).toEqual({
      put: [{ from: { type: 'campaign', id: 'c1' }, to: 'referral', kind: 'uses_pattern' }],
      remove: [{ from: { type: 'campaign', id: 'c1' }, to: 'waitlist', kind: 'uses_pattern' }],
    });
  });
});
