/**
 * Entity lifecycle: the intents the platform plans by itself when entities change (core: they
 * follow from the policy row and the registry; the scheduler service runs them later):
 * - retention: a new entity whose policy row has a finite retention gets a deletion intent,
 *   cancelled by `<entity>.reactivated` or `policy_override`;
 * - archive after end: an entity of a service with `archiveAfterEnd` whose
 *   `scheduling.end_time` is set or moved gets an archive intent that long after it,
 *   cancelled by `policy_override` (e.g. `POST /api/campaigns/{id}/extend`).
 */

import type { Metadata } from '../entity-metadata/index.ts';
import { MIN_LEAD_MS, type SchedulePayload } from '../events/schedule.ts';
import type { Role, ServiceDefinition } from '../registry/types.ts';
import { addDuration, isFiniteRetention } from './duration.ts';
import type { Policy } from './matrix.ts';

export const RETENTION_PATTERN = 'retention';

/**
 * Retention is a property of the data, not of the request: its policy row is picked by the
 * role of the data's owner, whoever makes the call. An account (an entity that owns itself,
 * such as a user) and anything owned by someone other than the caller (created on an end
 * user's behalf) follow the `user` row; what callers create for themselves follows their own
 * role's row. Access, validation and exposure stay the caller's.
 */
export function retentionRole(
  service: ServiceDefinition,
  caller: { sub: string; role: Role },
  ownerId: string,
): Role {
  if (service.selfOwned || ownerId !== caller.sub) return 'user';
  return caller.role;
}
export const ARCHIVE_PATTERN = 'archive-after-end';

interface EntityLike {
  id: string;
  metadata: Metadata;
}

export function retentionIntent(
  service: ServiceDefinition,
  entity: EntityLike,
  policy: Policy,
  now: Date,
): SchedulePayload | undefined {
  if (!isFiniteRetention(policy.retention)) return undefined;
  return {
    action: 'delete',
    run_at: addDuration(now, policy.retention).toISOString(),
    pattern: RETENTION_PATTERN,
    cancel_on: [`${service.entity}.reactivated`, 'policy_override'],
    entity: { type: service.entity, id: entity.id },
  };
}

/**
 * How long after its end an entity is archived: its own namespace's `archive_after` (e.g.
 * `service_specific.campaign.archive_after`), else the registry's `archiveAfterEnd`.
 */
function archiveGrace(service: ServiceDefinition, entity: EntityLike | undefined): string | undefined {
  if (!service.archiveAfterEnd || !entity) return undefined;
  const ns = service.namespace ? entity.metadata.service_specific?.[service.namespace] : undefined;
  const own =
    typeof ns === 'object' && ns !== null ? (ns as Record<string, unknown>).archive_after : undefined;
  return typeof own === 'string' ? own : service.archiveAfterEnd;
}

export function archiveIntent(
  service: ServiceDefinition,
  before: EntityLike | undefined,
  after: EntityLike,
  now: Date,
): SchedulePayload | undefined {
  const end = after.metadata.scheduling?.end_time;
  const grace = archiveGrace(service, after);
  if (!grace || !end) return undefined;
  // Planned again only when the end or the grace moves (an unrelated write changes nothing).
  if (end === before?.metadata.scheduling?.end_time && grace === archiveGrace(service, before))
    return undefined;
  const runAt = addDuration(new Date(end), grace);
  if (runAt.getTime() < now.getTime() + MIN_LEAD_MS) return undefined;
  return {
    action: 'archive',
    run_at: runAt.toISOString(),
    pattern: ARCHIVE_PATTERN,
    cancel_on: ['policy_override'],
    entity: { type: service.entity, id: after.id },
  };
}

/** The intents a write plans: retention on create, archive when end_time is set or moved. */
export function plannedIntents(
  service: ServiceDefinition,
  before: EntityLike | undefined,
  after: EntityLike | undefined,
  policy: Policy,
  now = new Date(),
): SchedulePayload[] {
  if (!after) return [];
  return [
    before ? undefined : retentionIntent(service, after, policy, now),
    archiveIntent(service, before, after, now),
  ].filter((i): i is SchedulePayload => i !== undefined);
}
