/**
 * `#/policies`: the policy matrix of an environment as a table (docs/policies.md); admins edit a
 * row in place and see the API's validation errors next to the fields they name.
 */
import { useState } from 'preact/hooks';
import { ApiError, call } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi } from '../ui.tsx';

const FIELDS = ['retention', 'access', 'validation', 'exposure'] as const;
type Field = (typeof FIELDS)[number];
type Policy = Record<Field, string>;
interface Row extends Policy {
  role: string;
  environment: string;
  category: string;
}

/** Rows from `GET /api/policies` (either a list of rows or `{ "role/env/category": policy }`). */
function rowsOf(data: unknown, environment: string): Row[] {
  const o = (data ?? {}) as Record<string, unknown>;
  const raw = o.items ?? o.rows ?? o.policies ?? [];
  if (Array.isArray(raw)) return raw as Row[];
  return Object.entries(raw as Record<string, Policy>).map(([key, p]) => {
    const [role = '', env = environment, category = ''] = key.split(/[/#]/);
    return { ...p, role, environment: env, category };
  });
}

function PolicyRow({ session, row, onSaved }: { session: Session; row: Row; onSaved: () => void }) {
  const [draft, setDraft] = useState<Policy>({
    retention: row.retention,
    access: row.access,
    validation: row.validation,
    exposure: row.exposure,
  });
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const key = `${row.role}/${row.environment}/${row.category}`;
  const editable = session.role === 'admin';
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await call(session.token, 'PUT', `/api/policies/${key}`, draft);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  const formId = `policy-${key.replace(/\W/g, '-')}`;
  return (
    <tr data-policy={key}>
      <th scope="row">{key}</th>
      {FIELDS.map((f) => (
        <td key={f}>
          <input
            form={formId}
            name={f}
            aria-label={`${f} of ${key}`}
            aria-invalid={fields[f] ? 'true' : undefined}
            aria-describedby={fields[f] ? `${formId}-${f}-error` : undefined}
            value={draft[f]}
            readOnly={!editable}
            onInput={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })}
          />
          {fields[f] && (
            <span class="field-error" id={`${formId}-${f}-error`} data-field={f}>
              {fields[f]}
            </span>
          )}
        </td>
      ))}
      <td>
        {editable && (
          <form id={formId} onSubmit={save}>
            <button type="submit" aria-label={`Save ${key}`}>
              Save
            </button>
          </form>
        )}
        {saved && <output class="ok">saved</output>}
        <ErrorBox error={error} title="Not saved" />
      </td>
    </tr>
  );
}

export function PoliciesView({ session, environment }: { session: Session; environment: string }) {
  const [env, setEnv] = useState(environment);
  const matrix = useApi<unknown>(session.token, `/api/policies?environment=${encodeURIComponent(env)}`);
  const rows = rowsOf(matrix.data, env);
  return (
    <Section title="Policy matrix" id="policies">
      <label>
        Environment{' '}
        <input value={env} onChange={(e) => setEnv(e.currentTarget.value)} aria-label="Environment" />
      </label>
      <ErrorBox error={matrix.error} />
      {session.role !== 'admin' && <p class="muted">Only admins may read or change policies.</p>}
      <table data-testid="policies">
        <thead>
          <tr>
            <th scope="col">role/environment/category</th>
            {FIELDS.map((f) => (
              <th scope="col" key={f}>
                {f}
              </th>
            ))}
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <PolicyRow
              key={`${r.role}/${r.environment}/${r.category}`}
              session={session}
              row={r}
              onSaved={matrix.reload}
            />
          ))}
        </tbody>
      </table>
      {matrix.data !== undefined && rows.length === 0 && <p class="muted">No rows: the defaults apply.</p>}
    </Section>
  );
}
