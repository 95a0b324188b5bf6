/**
 * `#/entities/<type>/<id>`: an entity's metadata, its scheduler intents (scheduled → cancelled or
 * executed, with times) and its audit trail (every event of the entity, oldest first),
 * refreshed every few seconds. The entity's collection comes from the knowledge graph.
 */
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi, when } from '../ui.tsx';

const REFRESH_MS = 3000;

interface Intent {
  id: string;
  entity_type: string;
  action: string;
  pattern: string;
  run_at: string;
  status: string;
  cancel_on: string[];
  created_at: string;
  updated_at: string;
  reason?: string;
}
interface Audit {
  id: string;
  type: string;
  at?: string;
  occurred_at?: string;
  time?: string;
  actor?: { sub?: string; role?: string } | string;
  source?: string;
  [k: string]: unknown;
}

const auditTime = (a: Audit): unknown => a.at ?? a.occurred_at ?? a.time;
const actorOf = (a: Audit): string =>
  typeof a.actor === 'string' ? a.actor : a.actor ? `${a.actor.sub ?? '?'} (${a.actor.role ?? '?'})` : '—';

export function EntityView({ session, type, id }: { session: Session; type: string; id: string }) {
  const kg = useApi<{ services: Record<string, { entity: string | null; collection: string | null }> }>(
    session.token,
    '/api/kg',
  );
  const collection = kg.data
    ? Object.values(kg.data.services).find((s) => s.entity === type)?.collection
    : undefined;
  const entity = useApi<Record<string, unknown>>(
    session.token,
    collection ? `/api/${collection}/${encodeURIComponent(id)}` : undefined,
    REFRESH_MS,
  );
  const intents = useApi<{ items: Intent[] }>(
    session.token,
    `/api/scheduler/intents?entity_id=${encodeURIComponent(id)}`,
    REFRESH_MS,
  );
  const audits = useApi<{ items: Audit[] }>(
    session.token,
    `/api/security/audits?entity_id=${encodeURIComponent(id)}&limit=100`,
    REFRESH_MS,
  );
  const unknownType = kg.data && !collection;
  const rows = (intents.data?.items ?? []).filter((i) => !i.entity_type || i.entity_type === type);
  return (
    <>
      <Section title={`${type} ${id}`} id="entity">
        <ErrorBox error={kg.error} />
        {unknownType && (
          <div class="error" role="alert">
            No service owns entities of type <code>{type}</code> (see the graph for the known types).
          </div>
        )}
        <ErrorBox error={entity.error} />
        {entity.data && <pre data-testid="entity-json">{JSON.stringify(entity.data, null, 2)}</pre>}
      </Section>
      <Section title="Intents" id="intents">
        <ErrorBox error={intents.error} />
        <table data-testid="intents">
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Pattern</th>
              <th scope="col">Status</th>
              <th scope="col">Runs at</th>
              <th scope="col">Cancelled by</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={i.id} data-intent={i.id}>
                <td>{i.action}</td>
                <td>{i.pattern}</td>
                <td>
                  <span class={`status status-${i.status}`}>{i.status}</span>
                  {i.reason ? ` (${i.reason})` : ''}
                </td>
                <td>{when(i.run_at)}</td>
                <td>{i.cancel_on.join(', ') || '—'}</td>
                <td>{when(i.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {intents.data && rows.length === 0 && <p class="muted">No intents for this entity.</p>}
      </Section>
      <Section title="Audit trail" id="audit">
        <ErrorBox error={audits.error} />
        <ol class="audit" data-testid="audit">
          {(audits.data?.items ?? []).map((a) => (
            <li key={a.id}>
              <time>{when(auditTime(a))}</time> <code>{a.type}</code> by {actorOf(a)}
            </li>
          ))}
        </ol>
        {audits.data && (audits.data.items ?? []).length === 0 && <p class="muted">No events yet.</p>}
      </Section>
    </>
  );
}
