/**
 * Calls to the Tempora API from the page: same origin (the console is served by the API), a
 * bearer token, and the contract's error shape `{ error: { code, message, details? } }` turned
 * into an {@link ApiError} the views show.
 */
import { ApiError, apiBase } from './errors.ts';

export { ApiError } from './errors.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function call<T>(token: string, method: Method, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${apiBase(window.location.pathname)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `The API did not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } })?.error;
    throw new ApiError(
      res.status,
      err?.code ?? 'http_error',
      err?.message ?? `${method} ${path} answered ${res.status}`,
      err?.details,
    );
  }
  return parsed as T;
}

/** Same-origin JSON with no token (the console's own config). */
export async function publicJson<T>(path: string): Promise<T> {
  const res = await fetch(`${apiBase(window.location.pathname)}${path}`);
  if (!res.ok) throw new ApiError(res.status, 'http_error', `${path} answered ${res.status}`);
  return (await res.json()) as T;
}
