/**
 * Applying a resolved policy to a request: access (who may touch an entity) and exposure
 * (how much metadata a response shows).
 */
import type { Principal } from '../auth/tokens.ts';
import type { Metadata } from '../entity-metadata/index.ts';
import { forbidden } from '../errors.ts';
import type { ResolvedPolicy } from './matrix.ts';

/**
 * 403 unless the policy's access rule lets `actor` act on an entity owned by `ownerId`
 * (`undefined` for a create or a list). `internal`: service role only. `self+admin`:
 * users only their own entities; admins and services all. `full`: anyone.
 */
export function checkAccess(policy: ResolvedPolicy, actor: Principal, ownerId: string | undefined): void {
  if (policy.access === 'internal' && actor.role !== 'service') {
    throw forbidden(`Policy ${policy.source} allows only the service role (access: internal)`, {
      rule: `policy:${policy.source}:access=internal`,
    });
  }
  if (
    policy.access === 'self+admin' &&
    actor.role === 'user' &&
    ownerId !== undefined &&
    ownerId !== actor.sub
  ) {
    throw forbidden(`Policy ${policy.source} lets users act only on what they own (access: self+admin)`, {
      rule: `policy:${policy.source}:access=self+admin`,
    });
  }
}

/** True when a list must be restricted to the caller's own entities. */
export const ownOnly = (policy: ResolvedPolicy, actor: Principal): boolean =>
  policy.access === 'self+admin' && actor.role === 'user';

/**
 * The metadata a response shows. `full`: all. `none`: none. `internal`: none for the user
 * role, all for admin and service. `summary`: `features`, `tags`, `scheduling` without
 * `intents`, `knowledge_graph.pattern` and the service's own namespace.
 */
export function exposeMetadata(
  policy: ResolvedPolicy,
  actor: Principal,
  metadata: Metadata,
  namespace: string | undefined,
): Metadata | undefined {
  switch (policy.exposure) {
    case 'full':
      return metadata;
    case 'none':
      return undefined;
    case 'internal':
      return actor.role === 'user' ? undefined : metadata;
    case 'summary':
      return summarize(metadata, namespace);
  }
}

export function summarize(m: Metadata, namespace: string | undefined): Metadata {
  const out: Metadata = {};
  if (m.features) out.features = m.features;
  if (m.tags) out.tags = m.tags;
  if (m.scheduling) {
    const { intents: _intents, ...scheduling } = m.scheduling;
    out.scheduling = scheduling;
  }
  if (m.knowledge_graph?.pattern) out.knowledge_graph = { pattern: m.knowledge_graph.pattern };
  const own = namespace ? m.service_specific?.[namespace] : undefined;
  if (namespace && own) out.service_specific = { [namespace]: own };
  return out;
}
