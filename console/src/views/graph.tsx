/**
 * `#/graph`: the services graph of `GET /api/kg`, laid out in layers with the bus and the shared
 * services as rails (graph-layout.ts, drawn by graph-diagram.tsx), every service a button (also
 * in the list under it, for keyboards and screen readers), and for the picked one its routes,
 * events and impact analysis; then the graph's version history.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi, when } from '../ui.tsx';
import { ServicesDiagram } from './graph-diagram.tsx';
import type { GraphLayout, Services } from './graph-model.ts';

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

function Legend({ rails }: { rails: readonly string[] }) {
  return (
    <p class="muted legend">
      Solid arrow: depends on (impact analysis follows these). Dashed arrow: integrates with.
      {rails.length > 0 &&
        ` Used by most services, ${rails.join(', ')} are drawn as rails underneath: a lettered tap on a box means the service uses that rail.`}{' '}
      Point at a service or a rail to light up its neighbours; click it, or pick it below, for its details.
    </p>
  );
}

/** Lays out and draws the graph; the layout code (and dagre) loads with the graph view only. */
function Diagram({
  services,
  picked,
  onPick,
}: {
  services: Services;
  picked: string | undefined;
  onPick: (name: string) => void;
}) {
  const [laid, setLaid] = useState<GraphLayout>();
  const [error, setError] = useState<unknown>();
  const [hover, setHover] = useState<string>();
  useEffect(() => {
    let live = true;
    import('./graph-layout.ts')
      .then((m) => live && setLaid(m.layoutGraph(services)))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [services]);
  return (
    <>
      <ErrorBox error={error} title="The diagram could not be drawn" />
      {laid && <Legend rails={laid.rails.map((r) => r.name)} />}
      <div class="diagram" data-testid="kg-diagram" aria-busy={laid || error ? 'false' : 'true'}>
        {laid ? (
          <ServicesDiagram
            layout={laid}
            focus={hover ?? picked}
            picked={picked}
            onFocus={setHover}
            onPick={onPick}
          />
        ) : (
          !error && <p>Drawing the graph…</p>
        )}
      </div>
    </>
  );
}

function ServiceDetail({ token, name }: { token: string; name: string }) {
  const node = useApi<KgService>(token, `/api/kg/services/${encodeURIComponent(name)}`);
  const impact = useApi<Impact>(token, `/api/kg/impact/${encodeURIComponent(name)}`);
  const s = node.data;
  const i = impact.data;
  return (
    <Section title={`Service ${name}`} id="service">
      <ErrorBox error={node.error} />
      <ErrorBox error={impact.error} />
      {s && (
        <>
          <p>{s.description}</p>
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
            <p aria-busy="true">Loading…</p>
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
  const history = useApi<{ items: VersionSummary[] }>(session.token, '/api/kg/history?limit=10');
  const [picked, setPicked] = useState<string>();
  const names = graph.data ? Object.keys(graph.data.services).sort() : [];
  return (
    <>
      <Section title="Services graph" id="graph">
        <ErrorBox error={graph.error} />
        {graph.data && (
          <p class="muted">
            Version {graph.data.version} · {names.length} services · updated {when(graph.data.last_updated)}
          </p>
        )}
        {graph.data && <Diagram services={graph.data.services} picked={picked} onPick={setPicked} />}
        {graph.loading && !graph.error && <p aria-busy="true">Loading the graph…</p>}
        <nav aria-label="Services" class="chips">
          {names.map((n) => (
            <button type="button" key={n} aria-pressed={picked === n} onClick={() => setPicked(n)}>
              {n}
            </button>
          ))}
        </nav>
      </Section>
      {picked && <ServiceDetail token={session.token} name={picked} />}
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
