/**
 * The policy matrix: (role × environment × category) → retention, access, validation,
 * exposure. These are the contract's seed rows and the documented safe default for a
 * missing row.
 */
import type { ValidationMode } from '../entity-metadata/index.ts';
import type { Role } from '../registry/types.ts';

export type Access = 'full' | 'internal' | 'self+admin';
export type Exposure = 'internal' | 'none' | 'summary' | 'full';

export interface Policy {
  /** ISO 8601 duration (e.g. `P90D`) or `forever`. */
  retention: string;
  access: Access;
  validation: ValidationMode;
  exposure: Exposure;
}

export interface PolicyKey {
  role: Role;
  environment: string;
  category: string;
}

export const policyId = (k: PolicyKey): string => `${k.role}/${k.environment}/${k.category}`;

export const SEED_POLICIES: ReadonlyArray<PolicyKey & Policy> = [
  {
    role: 'admin',
    environment: 'prod',
    category: 'orchestration',
    retention: 'P1Y',
    access: 'full',
    validation: 'strict',
    exposure: 'internal',
  },
  {
    role: 'service',
    environment: 'dev',
    category: 'analytics',
    retention: 'P7D',
    access: 'internal',
    validation: 'lenient',
    exposure: 'none',
  },
  {
    role: 'user',
    environment: 'prod',
    category: 'user',
    retention: 'P90D',
    access: 'self+admin',
    validation: 'strict',
    exposure: 'summary',
  },
  // The local (dev) stack shows the retention flow right away: a user account created there
  // gets its deletion intent, as in prod (access, validation and exposure are the defaults).
  {
    role: 'user',
    environment: 'dev',
    category: 'user',
    retention: 'P90D',
    access: 'self+admin',
    validation: 'strict',
    exposure: 'summary',
  },
];

/**
 * Safe default when no row matches (documented in docs/policies.md):
 * - users: see only what they own (`self+admin`), strict validation, a metadata summary;
 * - admins and services: full access and exposure, strict validation;
 * - retention `forever`: nothing is deleted unless a row says so.
 */
export function defaultPolicy(role: Role): Policy {
  return role === 'user'
    ? { retention: 'forever', access: 'self+admin', validation: 'strict', exposure: 'summary' }
    : { retention: 'forever', access: 'full', validation: 'strict', exposure: 'full' };
}

export interface ResolvedPolicy extends Policy {
  /** `role/environment/category` of the matched row, or `default`. */
  source: string;
  /** Where `retention` comes from when it is not `source`: the data owner's row (lifecycle.ts `retentionRole`). */
  retention_source?: string;
}

/** Pick the row for a key from `rows`, or the safe default. */
export function resolvePolicy(
  key: PolicyKey,
  rows: ReadonlyArray<PolicyKey & Policy> = SEED_POLICIES,
): ResolvedPolicy {
  const row = rows.find(
    (r) => r.role === key.role && r.environment === key.environment && r.category === key.category,
  );
  if (!row) return { ...defaultPolicy(key.role), source: 'default' };
  return {
    retention: row.retention,
    access: row.access,
    validation: row.validation,
    exposure: row.exposure,
    source: policyId(row),
  };
}
