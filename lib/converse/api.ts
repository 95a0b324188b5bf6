/**
 * The converse service reads and acts through the platform's public HTTP API, with the
 * caller's own bearer token: it holds no grant on another service's table, it sees exactly what
 * the caller may read (a 403 for the caller is a 403 here), and a confirmed action runs under
 * the caller's permissions, audited as the caller's. (Services never import one another; the
 * routes are the intents', the audit trail's and the knowledge graph's public contract.)
 */
import type { AuditView, ConverseReader, GraphView, ImpactView, IntentView } from './answers.ts';
import { ReadRefused } from './answers.ts';

/** One answer of the API: status and parsed body (undefined when empty or not JSON). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

export type ApiCall = (
  method: string,
  path: string,
  opts: { token: string; correlationId: string; body?: unknown },
) => Promise<ApiAnswer>;

/** `fetch` against `base` (10 s per call; a network failure throws). */
export function fetchApi(base: string, timeoutMs = 10_000): ApiCall {
  return async (method, path, { token, correlationId, body }) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-correlation-id': correlationId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  };
}

const errorOf = (body: unknown): { code: string; message: string } => {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return { code: String(e?.code ?? 'error'), message: String(e?.message ?? 'no message') };
};

/** The reader of lib/converse/answers.ts over the API, as one caller. */
export function apiReader(call: ApiCall, token: string, correlationId: string): ConverseReader {
  const get = async <T>(path: string, what: string): Promise<T> => {
    const r = await call('GET', path, { token, correlationId });
    if (r.status >= 400 && r.status < 500) {
      const e = errorOf(r.body);
      throw new ReadRefused(r.status, e.code, e.message, what);
    }
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}`);
    return r.body as T;
  };
  /** Every page of a list route (`items`, `next_cursor`), at most 10 pages. */
  const all = async <T>(path: string, what: string): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const body = await get<{ items: T[]; next_cursor?: string | null }>(
        cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
        what,
      );
      items.push(...body.items);
      cursor = body.next_cursor ?? undefined;
      if (!cursor) break;
    }
    return items;
  };
  const q = encodeURIComponent;
  return {
    intents: (id) => all<IntentView>(`/api/scheduler/intents?entity_id=${q(id)}`, 'the scheduler intents'),
    audits: (id) => all<AuditView>(`/api/security/audits?entity_id=${q(id)}&limit=500`, 'the audit trail'),
    impact: (service) =>
      get<ImpactView>(`/api/kg/impact/${q(service)}`, `the knowledge graph of "${service}"`),
    graph: () => get<GraphView>('/api/kg', 'the knowledge graph'),
  };
}
