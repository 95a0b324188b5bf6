/**
 * Build the knowledge graph from service definitions. Pure and deterministic: every list is
 * sorted, so equal registries give byte-equal graphs (up to `generated_at`) and equal hashes.
 */

import { idempotencyKey } from '../entity-metadata/canonical.ts';
import { notFound } from '../errors.ts';
import { compare, emitsOf, eventMatches, isWildcard, routeKeysOf, sortedUnique } from './services.ts';
import {
  KG_FORMAT,
  type KgEdge,
  type KgEdgeKind,
  type KgEventNode,
  type KgServiceInput,
  type KgServiceNode,
  type KnowledgeGraph,
} from './types.ts';

export interface BuildGraphOptions {
  /** Clock for `generated_at` (default: now). */
  now?: () => Date;
}

const EDGE_KIND_ORDER: Record<KgEdgeKind, number> = {
  depends_on: 0,
  integrates_with: 1,
  emits: 2,
  consumes: 3,
};

/**
 * Build the graph of `services` (e.g. `allServices()`).
 *
 * Dependencies and integration points may name services outside `services` (platform
 * services not registered yet): the edges are kept, no node is invented for them.
 *
 * @throws Error when two services share a name (the graph could not tell them apart;
 *   `checkConsistency` reports it as a problem instead).
 */
export function buildGraph(
  services: readonly KgServiceInput[],
  opts: BuildGraphOptions = {},
): KnowledgeGraph {
  const byName = new Map<string, KgServiceInput>();
  for (const s of services) {
    if (byName.has(s.name)) throw new Error(`Duplicate service name "${s.name}"`);
    byName.set(s.name, s);
  }
  const names = [...byName.keys()].sort(compare);

  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  const integratedBy = new Map<string, string[]>(names.map((n) => [n, []]));
  const edges: KgEdge[] = [];
  const events = new Map<string, { producers: Set<string>; consumers: Set<string> }>();
  const eventOf = (type: string) => {
    let e = events.get(type);
    if (!e) {
      e = { producers: new Set(), consumers: new Set() };
      events.set(type, e);
    }
    return e;
  };

  const nodeList: KgServiceNode[] = [];
  for (const name of names) {
    const s = byName.get(name)!;
    const deps = sortedUnique(s.dependencies);
    const integrations = sortedUnique(s.integrationPoints);
    const emits = sortedUnique(emitsOf(s));
    const consumes = sortedUnique(s.consumes);
    for (const d of deps) {
      dependents.get(d)?.push(name);
      edges.push({ from: name, to: d, kind: 'depends_on' });
    }
    for (const i of integrations) {
      integratedBy.get(i)?.push(name);
      edges.push({ from: name, to: i, kind: 'integrates_with' });
    }
    for (const e of emits) {
      eventOf(e).producers.add(name);
      edges.push({ from: name, to: e, kind: 'emits' });
    }
    for (const e of consumes) {
      if (!isWildcard(e)) eventOf(e).consumers.add(name);
      edges.push({ from: name, to: e, kind: 'consumes' });
    }
    nodeList.push({
      name,
      description: s.description,
      entity: s.entity ?? null,
      collection: s.collection ?? null,
      table: s.table ?? null,
      capabilities: sortedUnique(s.capabilities),
      dependencies: deps,
      dependents: [],
      integration_points: integrations,
      integrated_by: [],
      routes: sortedUnique(routeKeysOf(s)),
      events: { emits, consumes },
    });
  }
  // A wildcard subscription (`*`, `prefix.*`) consumes every concrete event type it matches.
  for (const name of names) {
    for (const w of byName.get(name)!.consumes.filter(isWildcard)) {
      for (const [type, e] of events) if (eventMatches(w, type)) e.consumers.add(name);
    }
  }
  // Names were visited in order, so the derived lists are already sorted.
  for (const node of nodeList) {
    node.dependents = dependents.get(node.name)!;
    node.integrated_by = integratedBy.get(node.name)!;
  }
  // fromEntries defines own properties, so even a name like `__proto__` stays a plain key.
  const nodes: Record<string, KgServiceNode> = Object.fromEntries(nodeList.map((n) => [n.name, n]));

  edges.sort(
    (a, b) =>
      compare(a.from, b.from) || EDGE_KIND_ORDER[a.kind] - EDGE_KIND_ORDER[b.kind] || compare(a.to, b.to),
  );
  const eventMap: Record<string, KgEventNode> = Object.fromEntries(
    [...events.keys()].sort(compare).map((type) => {
      const e = events.get(type)!;
      return [type, { producers: sortedUnique(e.producers), consumers: sortedUnique(e.consumers) }];
    }),
  );

  const content = { format: KG_FORMAT, services: nodes, edges, events: eventMap };
  const generatedAt = (opts.now?.() ?? new Date()).toISOString();
  return {
    format: KG_FORMAT,
    version: 0,
    hash: idempotencyKey(content),
    generated_at: generatedAt,
    last_updated: generatedAt,
    services: nodes,
    edges,
    events: eventMap,
  };
}

/** The hash `buildGraph` gives this graph's content (to verify a stored or received graph). */
export function graphHash(graph: KnowledgeGraph): string {
  return idempotencyKey({
    format: graph.format,
    services: graph.services,
    edges: graph.edges,
    events: graph.events,
  });
}

/** Service names of the graph, sorted. */
export const serviceNames = (graph: KnowledgeGraph): string[] => Object.keys(graph.services).sort(compare);

/**
 * One service of the graph.
 *
 * @throws TemporaError 404 naming the known services when `name` is not one of them.
 */
export function getServiceNode(graph: KnowledgeGraph, name: string): KgServiceNode {
  const node = Object.hasOwn(graph.services, name) ? graph.services[name] : undefined;
  if (!node) throw unknownService(graph, name);
  return node;
}

/** The 404 for a name that is not a service of the graph: message and details list the known ones. */
export function unknownService(graph: KnowledgeGraph, name: string) {
  const known = serviceNames(graph);
  return notFound(`Unknown service "${name}". Known services: ${known.join(', ')}`, { service: name, known });
}
