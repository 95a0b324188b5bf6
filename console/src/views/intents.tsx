/**
 * `#/intents`: intents across entities (docs/scheduler.md "Search"): the search filters, the
 * summary counts (scheduled intents by pattern and by when they are due), and per intent a
 * reschedule and a cancel, each confirmed before it is sent. `#/intents?status=scheduled&…`
 * opens with those filters.
 */
import { useState } from 'preact/hooks';
import { ApiError, call } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi, when } from '../ui.tsx';

interface Intent {
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  pattern: string;
  run_at: string;
  status: string;
  schedule: string;
  generation: number;
  cancel_on: string[];
  reason?: string;
}
interface Page {
  items: Intent[];
  next_cursor?: string;
}
type Counts = { next_hour: number; next_day: number; next_week: number; later: number; all: number };
interface Summary {
  as_of: string;
  horizon: string;
  total: Counts & { deferred: number };
  by_pattern: Array<Counts & { pattern: string }>;
}

const STATUSES = ['scheduled', 'executing', 'executed', 'cancelled', 'failed'];
const ACTIONS = ['delete', 'archive', 'run_pattern'];
const TEXT_FILTERS = ['pattern', 'entity_type', 'entity_id'] as const;
const RANGE_FILTERS = ['run_at_from', 'run_at_to'] as const;

/** `datetime-local` (the browser's zone) ↔ RFC 3339 UTC. */
const toIso = (local: string): string => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function query(filter: Record<string, string>, cursor?: string): string {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v));
  q.set('limit', '50');
  if (cursor) q.set('cursor', cursor);
  return `/api/scheduler/intents?${q}`;
}

function SummaryCard({ session }: { session: Session }) {
  const summary = useApi<Summary>(session.token, '/api/scheduler/intents/summary', 10_000);
  const row = (label: string, c: Counts, key: string) => (
    <tr key={key} data-pattern={key}>
      <th scope="row">{label}</th>
      <td class="num">{c.next_hour}</td>
      <td class="num">{c.next_day}</td>
      <td class="num">{c.next_week}</td>
      <td class="num">{c.later}</td>
      <td class="num">{c.all}</td>
    </tr>
  );
  return (
    <Section title="Scheduled intents" id="summary">
      <ErrorBox error={summary.error} />
      {summary.data && (
        <>
          <p class="muted">
            Due within the hour, the day, the week, or later (each column excludes the ones before it).{' '}
            <span data-testid="deferred">{summary.data.total.deferred}</span> deferred beyond the{' '}
            {summary.data.horizon} horizon (no schedule yet) · as of {when(summary.data.as_of)}
          </p>
          <table data-testid="summary">
            <thead>
              <tr>
                <th scope="col">Pattern</th>
                <th scope="col">Next hour</th>
                <th scope="col">Next day</th>
                <th scope="col">Next week</th>
                <th scope="col">Later</th>
                <th scope="col">All</th>
              </tr>
            </thead>
            <tbody>
              {summary.data.by_pattern.map((p) => row(p.pattern, p, p.pattern))}
              {row('All patterns', summary.data.total, '*')}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

/** One intent's row: its actions, each asked to confirm first; the API's refusal shown in the row. */
function IntentRow({
  session,
  intent,
  onChanged,
}: {
  session: Session;
  intent: Intent;
  onChanged: () => void;
}) {
  const [mode, setMode] = useState<'idle' | 'cancel' | 'reschedule'>('idle');
  const [runAt, setRunAt] = useState(toLocal(intent.run_at));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const send = async (method: 'PATCH' | 'DELETE', body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      await call(session.token, method, `/api/scheduler/intents/${intent.id}`, body);
      setMode('idle');
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = error instanceof ApiError ? error.fieldErrors().run_at : undefined;
  const live = intent.status === 'scheduled';
  return (
    <tr data-intent={intent.id}>
      <td>
        <a
          href={`#/entities/${encodeURIComponent(intent.entity_type)}/${encodeURIComponent(intent.entity_id)}`}
        >
          {intent.entity_type}/{intent.entity_id}
        </a>
      </td>
      <td>{intent.action}</td>
      <td>{intent.pattern}</td>
      <td>
        <span class={`status status-${intent.status}`}>{intent.status}</span>
        {intent.reason ? <span class="small"> ({intent.reason})</span> : null}
      </td>
      <td data-field="schedule">{intent.schedule}</td>
      <td data-field="run_at">{when(intent.run_at)}</td>
      <td class="num">{intent.generation}</td>
      <td class="actions">
        {live && mode === 'idle' && (
          <>
            <button type="button" data-action="reschedule" onClick={() => setMode('reschedule')}>
              Reschedule…
            </button>
            <button type="button" data-action="cancel" onClick={() => setMode('cancel')}>
              Cancel…
            </button>
          </>
        )}
        {mode === 'cancel' && (
          <fieldset class="confirm" aria-label={`Confirm cancelling ${intent.id}`}>
            Cancel this intent?{' '}
            <button type="button" data-action="confirm-cancel" disabled={busy} onClick={() => send('DELETE')}>
              Yes, cancel it
            </button>
            <button type="button" onClick={() => setMode('idle')}>
              Keep it
            </button>
          </fieldset>
        )}
        {mode === 'reschedule' && (
          <form
            aria-label={`Reschedule ${intent.id}`}
            onSubmit={(e) => {
              e.preventDefault();
              send('PATCH', { run_at: toIso(runAt) });
            }}
          >
            <label>
              New run time{' '}
              <input
                type="datetime-local"
                name="run_at"
                required
                value={runAt}
                aria-invalid={fieldError ? 'true' : undefined}
                onInput={(e) => setRunAt(e.currentTarget.value)}
              />
            </label>
            <button type="submit" data-action="confirm-reschedule" disabled={busy}>
              Confirm
            </button>
            <button type="button" onClick={() => setMode('idle')}>
              Back
            </button>
            {fieldError && (
              <span class="field-error" data-field="run_at">
                {fieldError}
              </span>
            )}
          </form>
        )}
        {error && !fieldError ? <ErrorBox error={error} title="Refused" /> : null}
      </td>
    </tr>
  );
}

export function IntentsView({ session, initial }: { session: Session; initial: Record<string, string> }) {
  const [form, setForm] = useState<Record<string, string>>(initial);
  const [filter, setFilter] = useState<Record<string, string>>(initial);
  const [cursors, setCursors] = useState<string[]>([]);
  const page = useApi<Page>(session.token, query(filter, cursors.at(-1)), 5_000);
  const fieldErrors = page.error instanceof ApiError ? page.error.fieldErrors() : {};
  const set = (name: string, value: string) => setForm((f) => ({ ...f, [name]: value }));
  const search = (e: Event) => {
    e.preventDefault();
    setCursors([]);
    setFilter(Object.fromEntries(Object.entries(form).filter(([, v]) => v)));
    const q = new URLSearchParams(Object.entries(form).filter(([, v]) => v)).toString();
    window.history.replaceState(null, '', `#/intents${q ? `?${q}` : ''}`);
  };
  const select = (name: string, options: string[]) => (
    <label>
      {name}{' '}
      <select name={name} value={form[name] ?? ''} onChange={(e) => set(name, e.currentTarget.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <SummaryCard session={session} />
      <Section title="Intents" id="intent-search">
        <form class="filters" aria-label="Search intents" onSubmit={search}>
          {select('status', STATUSES)}
          {select('action', ACTIONS)}
          {TEXT_FILTERS.map((name) => (
            <label key={name}>
              {name}{' '}
              <input
                name={name}
                value={form[name] ?? ''}
                aria-invalid={fieldErrors[`query.${name}`] ? 'true' : undefined}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            </label>
          ))}
          {RANGE_FILTERS.map((name) => (
            <label key={name}>
              {name}{' '}
              <input
                type="datetime-local"
                name={name}
                value={toLocal(form[name])}
                onInput={(e) => set(name, toIso(e.currentTarget.value))}
              />
            </label>
          ))}
          <button type="submit">Search</button>
        </form>
        <ErrorBox error={page.error} />
        <table data-testid="intents">
          <thead>
            <tr>
              <th scope="col">Entity</th>
              <th scope="col">Action</th>
              <th scope="col">Pattern</th>
              <th scope="col">Status</th>
              <th scope="col">Schedule</th>
              <th scope="col">Runs at</th>
              <th scope="col">Gen.</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.items ?? []).map((i) => (
              <IntentRow
                key={`${i.id}.${i.generation}.${i.status}`}
                session={session}
                intent={i}
                onChanged={page.reload}
              />
            ))}
          </tbody>
        </table>
        {page.data && page.data.items.length === 0 && <p class="muted">No intent matches.</p>}
        <p>
          {cursors.length > 0 && (
            <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
          )}
          {page.data?.next_cursor && (
            <button type="button" onClick={() => setCursors((c) => [...c, page.data?.next_cursor as string])}>
              Next page
            </button>
          )}
        </p>
      </Section>
    </>
  );
}
