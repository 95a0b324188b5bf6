/**
 * Cycle detection on a directed graph given as an adjacency map (node → successors).
 * Deterministic: nodes and successors are visited in code-unit order, and a cycle is written
 * as an open list `[a, b, c]` meaning a → b → c → a.
 */
import { compare } from './services.ts';

export type Adjacency = ReadonlyMap<string, readonly string[]>;

/** Default cap on enumerated cycles (their number can grow exponentially with the graph). */
export const MAX_CYCLES = 10_000;

export interface CycleList {
  cycles: string[][];
  /** True when the enumeration stopped at the limit (more cycles may exist). */
  truncated: boolean;
}

/**
 * Adjacency of `nodes` keeping only edges whose target is one of them, successors sorted
 * and unique. Edges to unknown names are dropped (they cannot close a cycle).
 */
export function adjacency(nodes: Iterable<[string, readonly string[]]>): Map<string, string[]> {
  const entries = [...nodes];
  const known = new Set(entries.map(([n]) => n));
  const adj = new Map<string, string[]>();
  for (const [n, succ] of entries.sort(([a], [b]) => compare(a, b))) {
    adj.set(n, [...new Set(succ.filter((s) => known.has(s)))].sort(compare));
  }
  return adj;
}

/**
 * Strongly connected components (Tarjan). Each component is sorted; components are sorted
 * by their first member. Singletons are included (filter on `length > 1` or a self-loop for
 * the cyclic ones).
 */
export function stronglyConnectedComponents(adj: Adjacency): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];

  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort(compare));
    }
  };

  for (const v of [...adj.keys()].sort(compare)) if (!index.has(v)) visit(v);
  return out.sort((a, b) => compare(a[0]!, b[0]!));
}

/** Map each node to the members of its strongly connected component. */
function componentOf(adj: Adjacency): Map<string, ReadonlySet<string>> {
  const of = new Map<string, ReadonlySet<string>>();
  for (const c of stronglyConnectedComponents(adj)) {
    const set = new Set(c);
    for (const n of c) of.set(n, set);
  }
  return of;
}

/**
 * Every elementary cycle (no repeated node), each rotated to start at its smallest node,
 * sorted. For each start node in order, simple paths back to it are searched through larger
 * nodes of the same component only, so each cycle is found exactly once.
 */
export function elementaryCycles(adj: Adjacency, limit = MAX_CYCLES): CycleList {
  const comp = componentOf(adj);
  const cycles: string[][] = [];
  let truncated = false;
  for (const start of [...adj.keys()].sort(compare)) {
    const members = comp.get(start)!;
    const r = simpleCyclesFrom(
      adj,
      start,
      (n) => members.has(n) && compare(n, start) > 0,
      limit - cycles.length,
    );
    cycles.push(...r.cycles);
    if (r.truncated) {
      truncated = true;
      break;
    }
  }
  return { cycles: cycles.sort(compareCycles), truncated };
}

/** Elementary cycles through `start`, each rotated to start at `start`, sorted by length then members. */
export function cyclesThrough(adj: Adjacency, start: string, limit = MAX_CYCLES): CycleList {
  if (!adj.has(start)) return { cycles: [], truncated: false };
  const members = componentOf(adj).get(start)!;
  const r = simpleCyclesFrom(adj, start, (n) => members.has(n) && n !== start, limit);
  return { cycles: r.cycles.sort(compareCycles), truncated: r.truncated };
}

/** Depth-first search for simple paths start → … → start through nodes allowed by `allowed`. */
function simpleCyclesFrom(
  adj: Adjacency,
  start: string,
  allowed: (n: string) => boolean,
  limit: number,
): CycleList {
  const cycles: string[][] = [];
  const path = [start];
  const onPath = new Set(path);
  let truncated = false;
  const walk = (v: string): void => {
    for (const w of adj.get(v) ?? []) {
      if (cycles.length >= limit) {
        truncated = true;
        return;
      }
      if (w === start) cycles.push([...path]);
      else if (!onPath.has(w) && allowed(w)) {
        path.push(w);
        onPath.add(w);
        walk(w);
        path.pop();
        onPath.delete(w);
      }
    }
  };
  if (limit > 0) walk(start);
  else truncated = true;
  return { cycles, truncated };
}

/** The cycle rotated to start at its smallest node (its canonical form). */
export function canonicalCycle(cycle: readonly string[]): string[] {
  if (cycle.length === 0) return [];
  let min = 0;
  for (let i = 1; i < cycle.length; i += 1) if (compare(cycle[i]!, cycle[min]!) < 0) min = i;
  return [...cycle.slice(min), ...cycle.slice(0, min)];
}

/** The cycle rotated to start at `node` (unchanged when it does not contain it). */
export function rotateTo(cycle: readonly string[], node: string): string[] {
  const i = cycle.indexOf(node);
  return i < 0 ? [...cycle] : [...cycle.slice(i), ...cycle.slice(0, i)];
}

/** `a → b → c → a` */
export const formatCycle = (cycle: readonly string[]): string => [...cycle, cycle[0]].join(' → ');

/** Order cycles by length, then member by member. */
export function compareCycles(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i += 1) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}
