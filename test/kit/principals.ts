/** Principals of the shared test kit: one per role, and a request context for the entity store. */
import type { Principal } from '../../lib/auth/tokens.ts';
import type { Role } from '../../lib/registry/types.ts';
import type { RequestContext } from '../../lib/store/entity-store.ts';

export const principal = (role: Role, sub = `dev-${role}`): Principal => ({ sub, role });

export const admin = principal('admin', 'alice');
export const user = principal('user', 'bob');
export const service = principal('service', 'billing-sync');

/** What the entity store is called with: an actor and a correlation id. */
export const requestContext = (
  actor: Principal = admin,
  correlationId = 'corr-unit-0001',
): RequestContext => ({
  actor,
  correlationId,
});
