/**
 * The services graph as the console draws it: relations, rails, what a focus lights up, edge
 * paths (pure, no layout library: unit-tested in test/unit/console/console.test.ts). The layout itself
 * is graph-layout.ts.
 */
/** What the layout needs of a service of `GET /api/kg`. */
export interface ServiceLinks {
  dependencies: readonly string[];
  integration_points: readonly string[];
}
export type Services = Readonly<Record<string, ServiceLinks>>;

export type RelationKind = 'depends' | 'integrates';
/** `from` depends on (or integrates with) `to`; a pair linked both ways by kind is kept as `depends`. */
export interface Relation {
  from: string;
  to: string;
  kind: RelationKind;
}

export interface Point {
  x: number;
  y: number;
}
/** A service drawn as a box (centre x, y) with its taps on the rails. */
export interface PlacedNode {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The rails it uses, in rail order. */
  taps: Tap[];
}
export interface Tap {
  rail: string;
  /** How the service and the rail are linked, e.g. "campaign integrates with nexus". */
  links: string[];
}
export interface PlacedEdge extends Relation {
  points: Point[];
}
export interface PlacedRail {
  name: string;
  /** One or two capitals marking its taps on the boxes. */
  letter: string;
  y: number;
  /** The services (boxes) that tap it, sorted. */
  taps: string[];
  /** How it is linked to the other rails, e.g. "user depends on security". */
  links: string[];
}
export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  rails: PlacedRail[];
}

/** Every relation of the graph once per ordered pair, sorted; unknown services left out. */
export function relations(services: Services): Relation[] {
  const byPair = new Map<string, Relation>();
  const add = (from: string, to: string, kind: RelationKind) => {
    if (from === to || !services[to]) return;
    const key = `${from}\u0000${to}`;
    if (byPair.get(key)?.kind !== 'depends') byPair.set(key, { from, to, kind });
  };
  for (const [name, s] of Object.entries(services)) {
    for (const d of s.dependencies) add(name, d, 'depends');
    for (const i of s.integration_points) add(name, i, 'integrates');
  }
  return [...byPair.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/**
 * The services linked (in either direction) to at least `share` of the others, most linked
 * first: the bus and the shared services every other one uses.
 */
export function railsOf(services: Services, share = 0.5): string[] {
  const names = Object.keys(services);
  if (names.length < 4) return [];
  const neighbours = new Map(names.map((n) => [n, new Set<string>()]));
  for (const r of relations(services)) {
    neighbours.get(r.from)?.add(r.to);
    neighbours.get(r.to)?.add(r.from);
  }
  const degree = (n: string) => neighbours.get(n)?.size ?? 0;
  return names
    .filter((n) => degree(n) >= share * (names.length - 1))
    .sort((a, b) => degree(b) - degree(a) || a.localeCompare(b));
}

export const sentence = (r: Relation) =>
  `${r.from} ${r.kind === 'depends' ? 'depends on' : 'integrates with'} ${r.to}`;

/**
 * What to light up when `focus` (a box or a rail) is pointed at: the services it is linked to
 * and, for a box, the edges it has; everything else is dimmed.
 */
export function neighbourhood(
  l: GraphLayout,
  focus: string,
): { services: Set<string>; edges: Set<PlacedEdge> } {
  const rail = l.rails.find((r) => r.name === focus);
  if (rail) return { services: new Set([focus, ...rail.taps]), edges: new Set() };
  const edges = new Set(l.edges.filter((e) => e.from === focus || e.to === focus));
  const services = new Set([focus, ...[...edges].flatMap((e) => [e.from, e.to])]);
  for (const t of l.nodes.find((n) => n.name === focus)?.taps ?? []) services.add(t.rail);
  return { services, edges };
}

/** An SVG path through the points, rounded at each bend. */
export function pathOf(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(first.x)},${f(first.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i] as Point;
    const next = rest[i + 1] as Point;
    d += ` Q${f(p.x)},${f(p.y)} ${f((p.x + next.x) / 2)},${f((p.y + next.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${f(last.x)},${f(last.y)}`;
  return d;
}
