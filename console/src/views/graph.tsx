/**
 * `#/graph`: the services graph drawn by Mermaid from `GET /api/kg/diagram`, every service as a
 * button too (keyboard and screen readers), and for the selected one its routes, events,
 * impact analysis; then the graph's version history.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi, when } from '../ui.tsx';
import { unlabelled } from './graph-text.ts';

interface KgService {
  name: string;
  description: string;
  entity: string | null;
  dependencies: string[];
  dependents: string[];
  integration_points: string[];
  routes: string[];
  events: { emits: string[]; consumes: string[] };
}
interface Graph {
  version: number;
  hash: string;
  last_updated?: string;
  services: Record<string, KgService>;
}
interface Impact {
  direct_dependents: string[];
  transitive_dependents: string[];
  direct_dependencies: string[];
  transitive_dependencies: string[];
  integrated_by: string[];
}
interface VersionSummary {
  version: number;
  hash: string;
  published_at?: string;
  last_updated?: string;
  [k: string]: unknown;
}

let renders = 0;

function Legend() {
  return (
    <p class="muted legend">
      Solid arrow: depends on (impact analysis follows these). Dotted arrow: integrates with. Click a service,
      or pick it below.
    </p>
  );
}

function Diagram({ text, onPick, label }: { text: string; onPick: (name: string) => void; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    (async () => {
      const { default: mermaid } = await import('mermaid');
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: 'neutral',
        flowchart: { htmlLabels: false, useMaxWidth: true },
      });
      const { svg } = await mermaid.render(`kg-diagram-${++renders}`, unlabelled(text));
      if (!live || !box.current) return;
      box.current.innerHTML = svg;
      for (const node of box.current.querySelectorAll<SVGGElement>('g.node')) {
        const name = node.textContent?.trim();
        if (!name) continue;
        node.style.cursor = 'pointer';
        node.addEventListener('click', () => onPick(name));
      }
    })().catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [text, onPick]);
  return (
    <>
      <ErrorBox error={error} title="The diagram could not be drawn" />
      <div
        ref={box}
        class="diagram"
        data-testid={label === 'Services graph' ? 'kg-diagram' : undefined}
        role="img"
        aria-label={label}
      />
    </>
  );
}

function ServiceDetail({
  token,
  name,
  onPick,
}: {
  token: string;
  name: string;
  onPick: (name: string) => void;
}) {
  const node = useApi<KgService>(token, `/api/kg/services/${encodeURIComponent(name)}`);
  const focus = useApi<string>(token, `/api/kg/diagram?focus=${encodeURIComponent(name)}`);
  const impact = useApi<Impact>(token, `/api/kg/impact/${encodeURIComponent(name)}`);
  const s = node.data;
  const i = impact.data;
  return (
    <Section title={`Service ${name}`} id="service">
      <ErrorBox error={node.error} />
      <ErrorBox error={impact.error} />
      <ErrorBox error={focus.error} />
      {s && (
        <>
          <p>{s.description}</p>
          {typeof focus.data === 'string' && (
            <Diagram text={focus.data} onPick={onPick} label={`${name} and its neighbours`} />
          )}
          <h3>Impact of a change</h3>
          {i ? (
            <dl>
              <dt>Direct dependents</dt>
              <dd data-testid="direct-dependents">{i.direct_dependents.join(', ') || 'none'}</dd>
              <dt>Transitive dependents</dt>
              <dd>{i.transitive_dependents.join(', ') || 'none'}</dd>
              <dt>Depends on</dt>
              <dd>{i.direct_dependencies.join(', ') || 'nothing'}</dd>
              <dt>Integrated by</dt>
              <dd>{i.integrated_by.join(', ') || 'none'}</dd>
            </dl>
          ) : (
            <p>Loading…</p>
          )}
          <h3>Events</h3>
          <p>
            Emits: {s.events.emits.join(', ') || 'none'}
            <br />
            Consumes: {s.events.consumes.join(', ') || 'none'}
          </p>
          <h3>Routes ({s.routes.length})</h3>
          <ul class="routes">
            {s.routes.map((r) => (
              <li key={r}>
                <code>{r}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

export function GraphView({ session }: { session: Session }) {
  const graph = useApi<Graph>(session.token, '/api/kg');
  const diagram = useApi<string>(session.token, '/api/kg/diagram');
  const history = useApi<{ items: VersionSummary[] }>(session.token, '/api/kg/history?limit=10');
  const [picked, setPicked] = useState<string>();
  const names = graph.data ? Object.keys(graph.data.services).sort() : [];
  return (
    <>
      <Section title="Services graph" id="graph">
        <ErrorBox error={graph.error} />
        <ErrorBox error={diagram.error} />
        {graph.data && (
          <p class="muted">
            Version {graph.data.version} · {names.length} services · updated {when(graph.data.last_updated)}
          </p>
        )}
        <Legend />
        {typeof diagram.data === 'string' && (
          <Diagram text={diagram.data} onPick={setPicked} label="Services graph" />
        )}
        {(graph.loading || diagram.loading) && !(graph.error || diagram.error) && <p>Loading the graph…</p>}
        <nav aria-label="Services" class="chips">
          {names.map((n) => (
            <button type="button" key={n} aria-pressed={picked === n} onClick={() => setPicked(n)}>
              {n}
            </button>
          ))}
        </nav>
      </Section>
      {picked && <ServiceDetail token={session.token} name={picked} onPick={setPicked} />}
      <Section title="Version history" id="history">
        <ErrorBox error={history.error as ApiError | undefined} />
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {(history.data?.items ?? []).map((v) => (
              <tr key={v.version}>
                <td>{v.version}</td>
                <td>{when(v.published_at ?? v.last_updated)}</td>
                <td>
                  <code>{String(v.hash).slice(0, 12)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}
