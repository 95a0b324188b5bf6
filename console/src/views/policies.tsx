/**
 * `#/policies`: the policy matrix of an environment as a table (docs/policies.md); admins edit a
 * row in place, or set a new one, and see the API's validation errors next to the fields they
 * name.
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
interface Matrix {
  environment: string;
  items: Row[];
  defaults?: Record<string, Policy>;
}

/** PUT one row; the state a form needs to show the outcome. */
function useSave(session: Session, onSaved: () => void) {
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const save = async (key: string, policy: Policy) => {
    setError(undefined);
    setSaved(false);
    try {
      await call(session.token, 'PUT', `/api/policies/${key}`, policy);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  return { error, saved, save, fields };
}

function FieldInput({
  form,
  field,
  label,
  value,
  error,
  readOnly,
  onValue,
}: {
  form: string;
  field: string;
  label: string;
  value: string;
  error: string | undefined;
  readOnly: boolean;
  onValue: (v: string) => void;
}) {
  return (
    <>
      <input
        form={form}
        name={field}
        aria-label={label}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${form}-${field}-error` : undefined}
        value={value}
        readOnly={readOnly}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      {error && (
        <span class="field-error" id={`${form}-${field}-error`} data-field={field}>
          {error}
        </span>
      )}
    </>
  );
}

function PolicyRow({ session, row, onSaved }: { session: Session; row: Row; onSaved: () => void }) {
  const [draft, setDraft] = useState<Policy>({
    retention: row.retention,
    access: row.access,
    validation: row.validation,
    exposure: row.exposure,
  });
  const key = `${row.role}/${row.environment}/${row.category}`;
  const { error, saved, save, fields } = useSave(session, onSaved);
  const editable = session.role === 'admin';
  const formId = `policy-${key.replace(/\W/g, '-')}`;
  return (
    <>
      <tr data-policy={key}>
        <th scope="row">{key}</th>
        {FIELDS.map((f) => (
          <td key={f}>
            <FieldInput
              form={formId}
              field={f}
              label={`${f} of ${key}`}
              value={draft[f]}
              error={fields[f]}
              readOnly={!editable}
              onValue={(v) => setDraft({ ...draft, [f]: v })}
            />
          </td>
        ))}
        <td>
          {editable && (
            <form
              id={formId}
              onSubmit={(e) => {
                e.preventDefault();
                void save(key, draft);
              }}
            >
              <button type="submit" aria-label={`Save ${key}`}>
                Save
              </button>
            </form>
          )}
          {saved && <output class="ok">saved</output>}
        </td>
      </tr>
      {error !== undefined && (
        <tr data-policy-error={key}>
          <td colSpan={FIELDS.length + 2}>
            <ErrorBox error={error} title={`${key} not saved`} />
          </td>
        </tr>
      )}
    </>
  );
}

function NewRow({
  session,
  environment,
  onSaved,
}: {
  session: Session;
  environment: string;
  onSaved: () => void;
}) {
  const [key, setKey] = useState({ role: 'user', environment, category: '' });
  const [draft, setDraft] = useState<Policy>({
    retention: 'forever',
    access: 'self+admin',
    validation: 'strict',
    exposure: 'summary',
  });
  const { error, saved, save, fields } = useSave(session, onSaved);
  const keyErrors = fields;
  return (
    <form
      class="inline-form"
      aria-label="Set a policy row"
      onSubmit={(e) => {
        e.preventDefault();
        void save(
          `${encodeURIComponent(key.role)}/${encodeURIComponent(key.environment)}/${encodeURIComponent(key.category)}`,
          draft,
        );
      }}
    >
      <label>
        Role
        <select value={key.role} onChange={(e) => setKey({ ...key, role: e.currentTarget.value })}>
          <option>user</option>
          <option>admin</option>
          <option>service</option>
        </select>
      </label>
      <label>
        Environment
        <input
          value={key.environment}
          onInput={(e) => setKey({ ...key, environment: e.currentTarget.value })}
        />
        {keyErrors.environment && <span class="field-error">{keyErrors.environment}</span>}
      </label>
      <label>
        Category
        <input
          value={key.category}
          required
          onInput={(e) => setKey({ ...key, category: e.currentTarget.value })}
        />
        {keyErrors.category && <span class="field-error">{keyErrors.category}</span>}
      </label>
      {FIELDS.map((f) => (
        <label key={f}>
          {f}
          <input
            name={f}
            value={draft[f]}
            aria-invalid={fields[f] ? 'true' : undefined}
            onInput={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })}
          />
          {fields[f] && <span class="field-error">{fields[f]}</span>}
        </label>
      ))}
      <button type="submit">Set row</button>
      {saved && <output class="ok">saved</output>}
      <ErrorBox error={error} title="Not saved" />
    </form>
  );
}

export function PoliciesView({ session, environment }: { session: Session; environment: string }) {
  const [env, setEnv] = useState(environment);
  const matrix = useApi<Matrix>(session.token, `/api/policies?environment=${encodeURIComponent(env)}`);
  const rows = matrix.data?.items ?? [];
  const defaults = Object.entries(matrix.data?.defaults ?? {});
  return (
    <>
      <Section title="Policy matrix" id="policies">
        <label>
          Environment{' '}
          <input value={env} onChange={(e) => setEnv(e.currentTarget.value)} aria-label="Environment" />
        </label>
        <ErrorBox error={matrix.error} />
        {session.role !== 'admin' && <p class="muted">Only admins may read or change policies.</p>}
        <table data-testid="policies" class="policies">
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
        {matrix.data && rows.length === 0 && <p class="muted">No rows: the defaults apply.</p>}
        {defaults.length > 0 && (
          <p class="muted">
            Where no row matches:{' '}
            {defaults.map(([role, p]) => `${role} → ${FIELDS.map((f) => p[f]).join(', ')}`).join(' · ')}
          </p>
        )}
      </Section>
      {session.role === 'admin' && matrix.data && (
        <Section title="Set a row" id="new-policy">
          <NewRow session={session} environment={env} onSaved={matrix.reload} />
        </Section>
      )}
    </>
  );
}
