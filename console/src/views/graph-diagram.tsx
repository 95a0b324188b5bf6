/**
 * The services graph as an SVG drawn from {@link GraphLayout}: boxes and arrows for the
 * relations between services, the bus and shared services as rails underneath, each box's
 * lettered taps naming the rails it uses. Pointing at a box or a rail (hover, keyboard focus, or
 * the picked service) lights up its neighbours and draws its taps down to the rails; the rest
 * is dimmed. Every box and rail is a button.
 */
import type { JSX } from 'preact';
import {
  type GraphLayout,
  neighbourhood,
  type PlacedNode,
  type PlacedRail,
  pathOf,
  sentence,
} from './graph-model.ts';

/** Rail colours, in rail order (then repeated). */
const RAIL_COLOURS = ['#6d3fc0', '#b35c00', '#0f7a6c', '#2456c7'];
const TAP = 13;
const RAIL_LEFT = 8;

const colourOf = (l: GraphLayout, rail: string) =>
  RAIL_COLOURS[
    Math.max(
      0,
      l.rails.findIndex((r) => r.name === rail),
    ) % RAIL_COLOURS.length
  ];

/** x of a box's tap on `rail` (taps sit in a row along the bottom of the box, centred). */
function tapX(n: PlacedNode, rail: string): number {
  const i = n.taps.findIndex((t) => t.rail === rail);
  return n.x + (i - (n.taps.length - 1) / 2) * (TAP + 4);
}
const tapY = (n: PlacedNode) => n.y + n.height / 2 - TAP / 2 - 4;

function Arrowhead({ id, fill }: { id: string; fill: string }) {
  return (
    <marker id={id} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
      <path d="M0,0 L10,5 L0,10 z" fill={fill} />
    </marker>
  );
}

function activate(name: string, onPick: (name: string) => void) {
  return (e: JSX.TargetedKeyboardEvent<SVGGElement>) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    onPick(name);
  };
}

export interface DiagramProps {
  layout: GraphLayout;
  /** The service pointed at (hovered, focused or picked), if any. */
  focus: string | undefined;
  picked: string | undefined;
  onFocus: (name: string | undefined) => void;
  onPick: (name: string) => void;
}

export function ServicesDiagram({ layout: l, focus, picked, onFocus, onPick }: DiagramProps) {
  const lit = focus ? neighbourhood(l, focus) : undefined;
  const dim = (name: string) => (lit && !lit.services.has(name) ? ' dim' : '');
  const focusNode = focus ? l.nodes.find((n) => n.name === focus) : undefined;
  const focusRail = focus ? l.rails.find((r) => r.name === focus) : undefined;
  // Taps drawn down to their rail: the focused box's, or every box's on the focused rail.
  const drops = focusNode
    ? focusNode.taps.map((t) => ({ node: focusNode, rail: t.rail }))
    : focusRail
      ? l.nodes.filter((n) => focusRail.taps.includes(n.name)).map((node) => ({ node, rail: focusRail.name }))
      : [];
  const railY = new Map(l.rails.map((r) => [r.name, r.y]));
  const leave = () => onFocus(undefined);
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${l.width} ${l.height}`}
      width={l.width}
      height={l.height}
      aria-labelledby="kg-title"
      class={`kg${lit ? ' focused' : ''}`}
    >
      <title id="kg-title">Services graph</title>
      <defs>
        <Arrowhead id="kg-arrow" fill="#5b6478" />
        <Arrowhead id="kg-arrow-lit" fill="#2456c7" />
      </defs>
      <g class="rails">
        {l.rails.map((r) => (
          <Rail
            key={r.name}
            rail={r}
            l={l}
            dim={dim(r.name)}
            picked={picked}
            onFocus={onFocus}
            onPick={onPick}
          />
        ))}
      </g>
      <g class="drops">
        {drops.map(({ node, rail }) => (
          <g key={`${node.name}-${rail}`} class="drop" data-drop={`${node.name}:${rail}`}>
            <line
              x1={tapX(node, rail)}
              y1={tapY(node) + TAP}
              x2={tapX(node, rail)}
              y2={railY.get(rail) ?? 0}
              stroke={colourOf(l, rail)}
            />
            <circle cx={tapX(node, rail)} cy={railY.get(rail) ?? 0} r={4} fill={colourOf(l, rail)} />
          </g>
        ))}
      </g>
      <g class="edges">
        {l.edges.map((e) => {
          const on = lit?.edges.has(e);
          return (
            <path
              key={`${e.from}-${e.to}`}
              class={`edge ${e.kind}${on ? ' lit' : lit ? ' dim' : ''}`}
              data-edge={`${e.from}->${e.to}`}
              d={pathOf(e.points)}
              marker-end={on ? 'url(#kg-arrow-lit)' : 'url(#kg-arrow)'}
            >
              <title>{sentence(e)}</title>
            </path>
          );
        })}
      </g>
      <g class="nodes">
        {l.nodes.map((n) => (
          // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it takes the role, focus and keys of one
          <g
            key={n.name}
            class={`node${dim(n.name)}${picked === n.name ? ' picked' : ''}`}
            data-service={n.name}
            role="button"
            tabIndex={0}
            aria-pressed={picked === n.name}
            aria-label={`${n.name}${n.taps.length ? `, uses ${n.taps.map((t) => t.rail).join(', ')}` : ''}`}
            onClick={() => onPick(n.name)}
            onKeyDown={activate(n.name, onPick)}
            onPointerEnter={() => onFocus(n.name)}
            onPointerLeave={leave}
            onFocus={() => onFocus(n.name)}
            onBlur={leave}
          >
            <rect x={n.x - n.width / 2} y={n.y - n.height / 2} width={n.width} height={n.height} rx={6} />
            <text x={n.x} y={n.y - (n.taps.length ? 5 : -4)} text-anchor="middle">
              {n.name}
            </text>
            {n.taps.map((t) => (
              <g key={t.rail} class="tap" data-tap={t.rail}>
                <rect
                  x={tapX(n, t.rail) - TAP / 2}
                  y={tapY(n)}
                  width={TAP}
                  height={TAP}
                  rx={2}
                  fill={colourOf(l, t.rail)}
                />
                <text x={tapX(n, t.rail)} y={tapY(n) + TAP - 3} text-anchor="middle">
                  {l.rails.find((r) => r.name === t.rail)?.letter}
                </text>
                <title>{t.links.join('; ')}</title>
              </g>
            ))}
          </g>
        ))}
      </g>
    </svg>
  );
}

function Rail({
  rail: r,
  l,
  dim,
  picked,
  onFocus,
  onPick,
}: {
  rail: PlacedRail;
  l: GraphLayout;
  dim: string;
  picked: string | undefined;
  onFocus: (name: string | undefined) => void;
  onPick: (name: string) => void;
}) {
  const colour = colourOf(l, r.name);
  const about = ` · used by ${r.taps.length} services${r.links.length ? ` · ${r.links.join('; ')}` : ''}`;
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it takes the role, focus and keys of one
    <g
      class={`rail${dim}${picked === r.name ? ' picked' : ''}`}
      data-rail={r.name}
      role="button"
      tabIndex={0}
      aria-pressed={picked === r.name}
      aria-label={`${r.name}${about}`}
      onClick={() => onPick(r.name)}
      onKeyDown={activate(r.name, onPick)}
      onPointerEnter={() => onFocus(r.name)}
      onPointerLeave={() => onFocus(undefined)}
      onFocus={() => onFocus(r.name)}
      onBlur={() => onFocus(undefined)}
    >
      <line x1={RAIL_LEFT} y1={r.y} x2={l.width - RAIL_LEFT} y2={r.y} stroke={colour} />
      <rect x={RAIL_LEFT} y={r.y - 22} width={TAP + 2} height={TAP + 2} rx={2} fill={colour} />
      <text class="tap-letter" x={RAIL_LEFT + (TAP + 2) / 2} y={r.y - 10} text-anchor="middle">
        {r.letter}
      </text>
      <text class="rail-label" x={RAIL_LEFT + TAP + 8} y={r.y - 10}>
        <tspan class="rail-name">{r.name}</tspan>
        {about}
      </text>
    </g>
  );
}
