/** Small shared pieces of the views: loading state, error box, data hooks. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from './api.ts';

/** An API error as the page shows it: status, code and message, never a blank page. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e =
    error instanceof ApiError
      ? error
      : new ApiError(0, 'error', error instanceof Error ? error.message : String(error));
  return (
    <div class="error" role="alert">
      <strong>{title ?? 'The API answered an error'}</strong>
      {': '}
      {e.status ? `${e.status} ` : ''}
      <code>{e.code}</code> — {e.message}
    </div>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** GET `path` with the token; again every `refreshMs` when given (keeping the last good data). */
export function useApi<T>(token: string, path: string | undefined, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    if (!path) return;
    let live = true;
    call<T>(token, 'GET', path).then(
      (data) => live && current.current === path && setState({ data, error: undefined, loading: false }),
      (error: unknown) =>
        live && current.current === path && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [token, path, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(reload, refreshMs);
    return () => clearInterval(t);
  }, [refreshMs, reload]);
  return { ...state, reload };
}

export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section aria-labelledby={id ? `${id}-title` : undefined} class="card">
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

export const when = (iso: unknown): string => {
  if (typeof iso !== 'string' && typeof iso !== 'number') return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? String(iso)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
};
