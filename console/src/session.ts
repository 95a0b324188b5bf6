/**
 * Sign-in: a bearer JWT pasted in the form or given as `?token=<jwt>` in the address. It is
 * kept in session storage (this tab only) and removed from the address bar at once. The page
 * reads the token's role and subject to decide what it offers; the API still checks every call.
 */
const KEY = 'tempora.console.token';

export type Role = 'admin' | 'service' | 'user';

export interface Session {
  token: string;
  role: Role;
  sub: string;
  /** Expiry, epoch seconds (absent when the token has none). */
  exp?: number;
}

/** The role and subject of a JWT (its payload, not verified: the API verifies). */
export function decodeToken(token: string): Session | { error: string } {
  const part = token.trim().split('.')[1];
  if (!part) return { error: 'not a JWT (expected three dot-separated parts)' };
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const claims = JSON.parse(json) as { role?: unknown; sub?: unknown; exp?: unknown };
    const role = claims.role;
    if (role !== 'admin' && role !== 'service' && role !== 'user')
      return { error: 'the token has no role claim (admin, service or user)' };
    return {
      token: token.trim(),
      role,
      sub: typeof claims.sub === 'string' ? claims.sub : 'console',
      ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    };
  } catch {
    return { error: 'the token payload is not base64url JSON' };
  }
}

/** Takes `?token=` from the address (then removes it) or the stored token. */
export function initialSession(): Session | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    const s = decodeToken(fromUrl);
    if ('token' in s) {
      sessionStorage.setItem(KEY, s.token);
      return s;
    }
  }
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return undefined;
  const s = decodeToken(stored);
  return 'token' in s ? s : undefined;
}

export function saveSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(KEY, s.token);
  else sessionStorage.removeItem(KEY);
}
