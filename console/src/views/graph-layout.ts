/**
 * The services graph laid out so it can be read (unit-tested in test/unit/console/console.test.ts).
 *
 * Drawn naively, every service points at the bus and the shared services (nexus, security,
 * user): a hairball. Here those hubs become **rails**: a service linked, either way, to at least
 * half of the others is drawn as a horizontal line under the graph, and each service that uses
 * it carries a tap (a lettered square) instead of an arrow. The remaining relations are laid out
 * in layers by dagre (Sugiyama: dependents above, what they depend on below), the rails at the
 * bottom as the foundation everything stands on.
 */
import { graphlib, layout } from '@dagrejs/dagre';
import {
  type GraphLayout,
  type PlacedEdge,
  type PlacedNode,
  type PlacedRail,
  type Point,
  railsOf,
  relations,
  type Services,
  sentence,
  type Tap,
} from './graph-model.ts';

/** One capital per rail, two where two rails share an initial. */
function letters(rails: readonly string[]): Map<string, string> {
  const first = (n: string) => n.charAt(0).toUpperCase();
  return new Map(
    rails.map((r) => {
      const shared = rails.filter((o) => first(o) === first(r)).length > 1;
      return [r, shared ? first(r) + r.charAt(1) : first(r)];
    }),
  );
}

/** Geometry, in SVG user units. */
const NODE_HEIGHT = 46;
const CHAR = 7.6;
const MARGIN = 16;
const RAIL_GAP = 36;
const MIN_WIDTH = 560;

/** Lays the graph out: boxes and arrows by dagre for the non-rail relations, rails beneath. */
export function layoutGraph(services: Services): GraphLayout {
  const rails = railsOf(services);
  const isRail = new Set(rails);
  const all = relations(services);
  const boxes = Object.keys(services)
    .filter((n) => !isRail.has(n))
    .sort();
  const width = Math.max(96, Math.ceil(Math.max(0, ...boxes.map((n) => n.length)) * CHAR + 28));

  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 26, ranksep: 48, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of boxes) g.setNode(n, { width, height: NODE_HEIGHT });
  const drawn = all.filter((r) => !isRail.has(r.from) && !isRail.has(r.to));
  for (const r of drawn) g.setEdge(r.from, r.to, { weight: r.kind === 'depends' ? 2 : 1 });
  layout(g);

  const tapsOf = (name: string): Tap[] =>
    rails.flatMap((rail) => {
      const links = all
        .filter((r) => (r.from === name && r.to === rail) || (r.from === rail && r.to === name))
        .map(sentence);
      return links.length > 0 ? [{ rail, links }] : [];
    });
  const nodes: PlacedNode[] = boxes.map((name) => {
    const n = g.node(name);
    return { name, x: n.x, y: n.y, width, height: NODE_HEIGHT, taps: tapsOf(name) };
  });
  const edges: PlacedEdge[] = drawn.map((r) => ({
    ...r,
    points: (g.edge(r.from, r.to)?.points ?? []).map((p: Point) => ({ x: p.x, y: p.y })),
  }));

  const graphHeight = boxes.length > 0 ? (g.graph().height ?? 0) : 0;
  const marks = letters(rails);
  const placedRails: PlacedRail[] = rails.map((name, i) => ({
    name,
    letter: marks.get(name) ?? name.charAt(0).toUpperCase(),
    y: graphHeight + RAIL_GAP * (i + 1),
    taps: nodes.filter((n) => n.taps.some((t) => t.rail === name)).map((n) => n.name),
    links: all.filter((r) => r.from === name && isRail.has(r.to)).map(sentence),
  }));
  return {
    width: Math.max(MIN_WIDTH, Math.ceil(g.graph().width ?? 0)),
    height: Math.ceil(graphHeight + RAIL_GAP * rails.length + (rails.length > 0 ? 14 : MARGIN)),
    nodes,
    edges,
    rails: placedRails,
  };
}
