/**
 * What a trusted issuer's token says about its caller: the subject (`subject_claim`) and the
 * Tempora role its groups or roles claim maps to (`role_claim`, `role_map`).
 */
import type { TrustedIssuer } from '../config/auth.ts';
import type { Role } from '../registry/types.ts';

/** A claim by name (`cognito:groups`, `roles`), or by dotted path into objects (`realm_access.roles`). */
export function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let at: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, part))
      return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** When values map to several roles, the most privileged wins. */
const RANK: Readonly<Record<Role, number>> = { user: 1, service: 2, admin: 3 };

/**
 * The role the issuer's `role_claim` maps to: its value (a string, or an array of strings) looked up
 * in `role_map`; undefined when no value is mapped.
 */
export function mappedRole(
  claims: Readonly<Record<string, unknown>>,
  issuer: TrustedIssuer,
): Role | undefined {
  const raw = claimAt(claims, issuer.role_claim);
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  let role: Role | undefined;
  for (const v of values) {
    if (typeof v !== 'string' || !Object.hasOwn(issuer.role_map, v)) continue;
    const r = issuer.role_map[v] as Role;
    if (role === undefined || RANK[r] > RANK[role]) role = r;
  }
  return role;
}
