/**
 * Impact analysis: what a change to one service can break (its dependents), what it relies
 * on (its dependencies), the dependency cycles it sits in and the consumers of its events.
 * Only `depends_on` edges are followed; integration points are reported, not traversed.
 */
import { type CycleList, cyclesThrough, elementaryCycles, MAX_CYCLES } from './cycles.ts';
import { getServiceNode } from './graph.ts';
import { compare } from './services.ts';
import type { KnowledgeGraph } from './types.ts';

export interface ImpactReport {
  service: string;
  /** Services that declare a dependency on it. */
  direct_dependents: string[];
  /** Every service that reaches it through dependencies (direct ones included, itself excluded). */
  transitive_dependents: string[];
  /** Services it declares a dependency on. */
  direct_dependencies: string[];
  /** Every service it reaches through dependencies (direct ones included, itself excluded). */
  transitive_dependencies: string[];
  /** Services that list it as an integration point (not followed transitively). */
  integrated_by: string[];
  /** Elementary dependency cycles through it, each starting at it: `[s, a, b]` is s → a → b → s. */
  cycles: string[][];
  /** True when more than `maxCycles` cycles exist and the list was cut. */
  cycles_truncated: boolean;
  /** The events it emits that someone consumes, with their consumers. */
  events_affected: Array<{ type: string; consumers: string[] }>;
}

export interface ImpactOptions {
  /** Cap on the cycles listed (default {@link MAX_CYCLES}). */
  maxCycles?: number;
}

/**
 * Dependency adjacency of the graph: service → the services it depends on (sorted, as in
 * the graph). A dependency outside the graph (a platform service not registered yet) is a leaf.
 */
export function dependencyAdjacency(graph: KnowledgeGraph): Map<string, readonly string[]> {
  return new Map(Object.values(graph.services).map((s) => [s.name, s.dependencies]));
}

/** Reverse dependency adjacency: service → the services depending on it. */
function dependentAdjacency(graph: KnowledgeGraph): Map<string, readonly string[]> {
  return new Map(Object.values(graph.services).map((s) => [s.name, s.dependents]));
}

/** Nodes reachable from `start` (excluded), sorted. */
function reachable(adj: ReadonlyMap<string, readonly string[]>, start: string): string[] {
  const seen = new Set<string>();
  const todo = [...(adj.get(start) ?? [])];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const m of adj.get(n) ?? []) if (!seen.has(m)) todo.push(m);
  }
  seen.delete(start);
  return [...seen].sort(compare);
}

/**
 * Impact analysis of one service.
 *
 * @throws TemporaError 404 (`not_found`, details `{ service, known }`) for an unknown service.
 */
export function impact(graph: KnowledgeGraph, name: string, opts: ImpactOptions = {}): ImpactReport {
  const node = getServiceNode(graph, name);
  const deps = dependencyAdjacency(graph);
  const { cycles, truncated } = cyclesThrough(deps, name, opts.maxCycles ?? MAX_CYCLES);
  return {
    service: name,
    direct_dependents: [...node.dependents],
    transitive_dependents: reachable(dependentAdjacency(graph), name),
    direct_dependencies: [...node.dependencies],
    transitive_dependencies: reachable(deps, name),
    integrated_by: [...node.integrated_by],
    cycles,
    cycles_truncated: truncated,
    events_affected: node.events.emits
      .map((type) => ({
        type,
        consumers: Object.hasOwn(graph.events, type) ? [...graph.events[type]!.consumers] : [],
      }))
      .filter((e) => e.consumers.length > 0),
  };
}

/**
 * Every elementary dependency cycle of the graph, each rotated to start at its smallest
 * member, sorted by length then members (deterministic).
 */
export function findCycles(graph: KnowledgeGraph, limit = MAX_CYCLES): CycleList {
  return elementaryCycles(dependencyAdjacency(graph), limit);
}
