/**
 * Pattern edges: an entity's `metadata.knowledge_graph` ({ pattern, dependencies }) as edges
 * of the knowledge graph, so `GET /api/kg/patterns/{pattern}` can list the entities using a
 * pattern. Pure: the caller stores the edges (and replaces them when the metadata changes).
 */
import { compare } from './services.ts';

export type PatternEdgeKind = 'uses_pattern' | 'depends_on';

/** An edge from one entity to a pattern (`uses_pattern`) or to a service (`depends_on`). */
export interface PatternEdge {
  from: { type: string; id: string };
  /** The pattern name or the service name. */
  to: string;
  kind: PatternEdgeKind;
}

/** What {@link patternEdges} reads of an entity (any entity with canonical metadata fits). */
export interface PatternSource {
  type: string;
  id: string;
  metadata?: { knowledge_graph?: { pattern?: unknown; dependencies?: unknown } | undefined } | null;
}

const clean = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/**
 * The edges of one entity: `uses_pattern` → `knowledge_graph.pattern` and one `depends_on`
 * per distinct `knowledge_graph.dependencies[]` entry (sorted). Blank or non-string values
 * are ignored, so lenient metadata cannot produce junk edges. No knowledge_graph, no edges.
 */
export function patternEdges(entity: PatternSource): PatternEdge[] {
  const kg = entity.metadata?.knowledge_graph;
  if (!kg) return [];
  const from = { type: entity.type, id: entity.id };
  const edges: PatternEdge[] = [];
  const pattern = clean(kg.pattern);
  if (pattern) edges.push({ from, to: pattern, kind: 'uses_pattern' });
  const deps = Array.isArray(kg.dependencies)
    ? kg.dependencies.map(clean).filter((d) => d !== undefined)
    : [];
  for (const d of [...new Set(deps)].sort(compare))
    edges.push({ from: { ...from }, to: d, kind: 'depends_on' });
  return edges;
}

/** Stable identity of an edge, e.g. `uses_pattern|waitlist|campaign|01J…` (for keys and diffs). */
export const patternEdgeKey = (e: PatternEdge): string => [e.kind, e.to, e.from.type, e.from.id].join('|');

/** Edges to write and to delete when an entity's edges go from `before` to `after`. */
export function diffPatternEdges(
  before: readonly PatternEdge[],
  after: readonly PatternEdge[],
): { put: PatternEdge[]; remove: PatternEdge[] } {
  const b = new Set(before.map(patternEdgeKey));
  const a = new Set(after.map(patternEdgeKey));
  return {
    put: after.filter((e) => !b.has(patternEdgeKey(e))),
    remove: before.filter((e) => !a.has(patternEdgeKey(e))),
  };
}

/** The entities using `pattern`, sorted by type then id, each once. */
export function entitiesUsingPattern(
  edges: Iterable<PatternEdge>,
  pattern: string,
): Array<{ type: string; id: string }> {
  const seen = new Map<string, { type: string; id: string }>();
  for (const e of edges) {
    if (e.kind === 'uses_pattern' && e.to === pattern) seen.set(`${e.from.type}|${e.from.id}`, { ...e.from });
  }
  return [...seen.values()].sort((x, y) => compare(x.type, y.type) || compare(x.id, y.id));
}
