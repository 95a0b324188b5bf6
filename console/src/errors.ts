/** The API's error shape as the page handles it (pure: unit-tested). */

/** Base path of the API: everything before `/console` in the page's address. */
export function apiBase(pathname: string): string {
  const i = pathname.lastIndexOf('/console');
  return i >= 0 ? pathname.slice(0, i) : '';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Messages by field name, from a 400's `details` (zod issues or `{ field: message }`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const add = (field: unknown, message: unknown) => {
      if (typeof field === 'string' && field && !out[field]) out[field] = String(message ?? 'invalid');
    };
    const walk = (d: unknown): void => {
      if (Array.isArray(d)) {
        for (const i of d) {
          if (i && typeof i === 'object') {
            const o = i as Record<string, unknown>;
            const path = Array.isArray(o.path) ? o.path.map(String).join('.') : (o.path ?? o.field ?? o.name);
            add(path, o.message);
          }
        }
      } else if (d && typeof d === 'object') {
        const o = d as Record<string, unknown>;
        for (const key of ['issues', 'errors', 'fields']) if (key in o) walk(o[key]);
        if (typeof o.field === 'string') add(o.field, o.message ?? this.message);
      }
    };
    walk(this.details);
    return out;
  }
}
