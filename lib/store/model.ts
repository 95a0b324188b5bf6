/**
 * The entity store's model (core): what a write is told (context, tables, policy source,
 * intent planner), the stored row and the public view, and the server-owned attributes.
 */
import type { Principal } from '../auth/tokens.ts';
import type { Metadata } from '../entity-metadata/index.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { plannedIntents, retentionIntent } from '../policy/lifecycle.ts';
import { type PolicyKey, type ResolvedPolicy, resolvePolicy } from '../policy/matrix.ts';

/** Who is writing, and the correlation id that ties the write to its events and logs. */
export interface RequestContext {
  actor: Principal;
  correlationId: string;
  /** A platform service acting on its own authority (e.g. the scheduler): role and policy access checks are skipped. */
  system?: boolean;
}

export interface StoreTables {
  entity: string;
  master: string;
  outbox: string;
  /** `_metadata_index`: tag and feature index rows. */
  index: string;
}

/** Resolves the policy-matrix row of a key (the PolicyStore in Lambdas, a constant in tests). */
export type PolicySource = (key: PolicyKey) => Promise<ResolvedPolicy>;

/**
 * What a write plans for later: the `scheduler.schedule` payloads published with its event, and
 * the fresh retention a verb with `rescheduleRetention` asks for. Injected, so the store (core)
 * knows no scheduler (a service); the default is the lifecycle rules of lib/policy/lifecycle.ts.
 */
export interface IntentPlanner {
  planned: typeof plannedIntents;
  retention: typeof retentionIntent;
}

export const lifecyclePlanner: IntentPlanner = { planned: plannedIntents, retention: retentionIntent };

/** The contract's seed rows only (no central table): for tests and tools. */
export const staticPolicies: PolicySource = async (key) => resolvePolicy(key);

/** The public shape of an entity, as the API returns it. */
export interface EntityView {
  id: string;
  state: string;
  owner_id: string;
  metadata: Metadata;
  version: number;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** The stored entity row: the view plus the store's own bookkeeping attributes. */
export interface EntityRow extends EntityView {
  entity_type: string;
  category: string;
  master_key: string;
  list_sk: string;
  /** Present only while the entity is actively broadcasting (sparse index key). */
  broadcast_pk?: string;
}

/** Options of a system write (`ctx.system`): ignored for any other caller. */
export interface SystemCreateOptions {
  /** A caller-chosen id (e.g. derived from an event, so that a retried create conflicts instead of duplicating). */
  id?: string;
  /** The owner of the new entity (e.g. the user a notification is for), instead of the actor. */
  ownerId?: string;
}

export interface PatchOptions {
  /** Further events committed in the same transaction as the update (e.g. `localization.translated`). */
  alsoEmit?: EventEnvelope[];
}

export interface ListQuery {
  /** Only entities with an active broadcast (sparse index). */
  broadcasting?: boolean;
  state?: string;
  tag?: string;
  feature?: string;
  limit?: number;
  cursor?: string;
}

/** Fields the server owns: a client may not set them. */
export const READ_ONLY = new Set(['id', 'version', 'created_at', 'updated_at', 'owner_id']);
/** The store's bookkeeping attributes: never shown, never set by a client. */
export const INTERNAL = new Set(['entity_type', 'category', 'master_key', 'list_sk', 'broadcast_pk']);
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_STATE = 'active';

export const masterKey = (entityType: string, id: string): string => `${entityType}#${id}`;

/** The GSIs of an entity table that lists read (see lib/store/read.ts). */
export const STATE_INDEX = 'by_state';
export const OWNER_INDEX = 'by_owner';
export const BROADCAST_INDEX = 'by_broadcast';
