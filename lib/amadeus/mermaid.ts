/**
 * Mermaid flowchart of the knowledge graph: one node per service, `-->|depends on|` for
 * dependencies, dotted `-.->|integrates with|` for integration points. Deterministic text.
 */
import { getServiceNode } from './graph.ts';
import { compare } from './services.ts';
import type { KgEdge, KnowledgeGraph } from './types.ts';

export interface MermaidOptions {
  /** Only this service and its neighbours (what it depends on or integrates with, and the reverse). */
  focus?: string;
  /** Leave out the dotted integration edges (default false). */
  dependenciesOnly?: boolean;
  /** Flowchart direction (default `LR`). */
  direction?: 'LR' | 'TD' | 'RL' | 'BT';
}

/**
 * The graph as Mermaid text (`graph LR …`). Node ids are `svc_` plus the name with every
 * character outside `[A-Za-z0-9_]` replaced by `_` (made unique if two names collide), so
 * no name can clash with Mermaid syntax or keywords such as `end`. Names referenced but not
 * defined in the graph (platform services not registered yet) get a rounded node.
 *
 * @throws TemporaError 404 naming the known services when `focus` is not a service.
 */
export function toMermaid(graph: KnowledgeGraph, opts: MermaidOptions = {}): string {
  let edges = graph.edges.filter(
    (e) => e.kind === 'depends_on' || (e.kind === 'integrates_with' && !opts.dependenciesOnly),
  );
  if (opts.focus !== undefined) {
    const focus = getServiceNode(graph, opts.focus).name;
    edges = edges.filter((e) => e.from === focus || e.to === focus);
  }
  const names = new Set<string>(opts.focus === undefined ? Object.keys(graph.services) : [opts.focus]);
  for (const e of edges) {
    names.add(e.from);
    names.add(e.to);
  }
  const sorted = [...names].sort(compare);
  const ids = nodeIds(sorted);

  const lines = [`graph ${opts.direction ?? 'LR'}`];
  for (const n of sorted) {
    const label = escapeLabel(n);
    lines.push(
      Object.hasOwn(graph.services, n) ? `  ${ids.get(n)}["${label}"]` : `  ${ids.get(n)}("${label}")`,
    );
  }
  for (const e of edges) lines.push(`  ${ids.get(e.from)} ${arrow(e)} ${ids.get(e.to)}`);
  if (opts.focus !== undefined) {
    lines.push('  classDef focus stroke-width:3px');
    lines.push(`  class ${ids.get(opts.focus)} focus`);
  }
  return `${lines.join('\n')}\n`;
}

const arrow = (e: KgEdge): string => (e.kind === 'depends_on' ? '-->|depends on|' : '-.->|integrates with|');

/** Sanitised, unique node ids in the order of `names`. */
function nodeIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const n of names) {
    const base = `svc_${n.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let i = 2; used.has(id); i += 1) id = `${base}_${i}`;
    used.add(id);
    ids.set(n, id);
  }
  return ids;
}

/** A label safe inside `["…"]`: `#`, quotes and angle brackets as Mermaid numeric entity codes. */
const escapeLabel = (s: string): string =>
  s.replace(/#/g, '#35;').replace(/"/g, '#34;').replace(/</g, '#60;').replace(/>/g, '#62;');
