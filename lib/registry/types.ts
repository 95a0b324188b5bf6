import type { z } from 'zod/mini';
import { ROLES, type Role } from '../config/auth.ts';
import type { ServiceNamespace } from '../entity-metadata/namespaces.ts';

/** Caller roles (declared with the token settings, lib/config/auth.ts: tokens, envelopes and policy keys use them). */
export { ROLES, type Role };

/** The role lists routes and access rules name: every caller, operators (admin and service), admins. */
export const ALL: readonly Role[] = ROLES;
export const OPS: readonly Role[] = ['admin', 'service'];
export const ADMIN: readonly Role[] = ['admin'];

/** The CRUD operations every entity collection offers. */
export type CrudOperation = 'create' | 'read' | 'update' | 'delete' | 'list';

/**
 * A domain verb on one entity: `POST /api/<collection>/{id}/<name>`.
 * It is one atomic write of the entity (optionally moving it to `setState`) that emits `emits`.
 */
export interface VerbDefinition {
  name: string;
  emits: string;
  roles: readonly Role[];
  setState?: string;
  /** After the verb's event has cancelled what it cancels, schedule a fresh retention intent. */
  rescheduleRetention?: boolean;
}

/**
 * Platform resources a service may be granted (infra/stack.ts and infra/constructs/domain-consumers.ts
 * turn each into exact grants):
 * - `policies:write`: put/delete rows of the policy matrix;
 * - `entities:write`: the entity store of EVERY CRUD service (write back to entities it does not own);
 * - `translation`: the translation provider (Amazon Translate unless configured offline);
 * - `search-index`: the inverted index table;
 * - `analytics-counters`: the daily counters table;
 * - `pricing-rules`: read (Query) the `pricing_rule` records of the metadata records table.
 */
export type PlatformNeed =
  | 'policies:write'
  | 'entities:write'
  | 'translation'
  | 'search-index'
  | 'analytics-counters'
  | 'pricing-rules';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * One HTTP route, declared once: API Gateway's route (`routeKey` = `${method} ${path}`), who may
 * call it, what it takes and answers. The Lambda kit (lib/lambda-kit) enforces `roles` and validates
 * `params`, `query` and `body` from it before the handler runs; infra builds the gateway route
 * from it; the OpenAPI document (lib/registry/openapi.ts) is generated from it.
 */
export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  /** One line for the API reference. */
  summary: string;
  /** Public routes skip bearer auth (health checks, the OpenAPI document). */
  public?: boolean;
  /** Roles allowed to call the route (required unless `public`); a 403 names them otherwise. */
  roles?: readonly Role[];
  /** The rule a 403 names (default: the route key), e.g. `campaign.create`. */
  rule?: string;
  /** Path parameters (`{id}` …); a mistake is a 400 naming `path.<name>`. */
  params?: z.ZodMiniType;
  /** Query string; a mistake is a 400 naming `query.<name>`. */
  query?: z.ZodMiniType;
  /** JSON body; a mistake is a 400 naming the field. */
  body?: z.ZodMiniType;
  /** Success status and response body (for the reference and the integration tests' check). */
  status?: number;
  response?: z.ZodMiniType;
  /**
   * Other success answers of the route, each with its own body (e.g. a dry run's 200 beside a
   * start's 202): the OpenAPI document lists them, the suites check a response against the one
   * of its status (lib/registry/route-key.ts `successOf`).
   */
  alsoAnswers?: ReadonlyArray<{ status: number; description: string; response?: z.ZodMiniType }>;
  /** Media type of the success response (default `application/json`; `response` then parses the text). */
  mediaType?: 'application/json' | 'text/plain';
  /** A realistic request body the live API accepts (required when the route takes a body). */
  example?: unknown;
  /**
   * The route creates or adds (a retry would apply it twice): it takes an `Idempotency-Key`
   * header, and a retry with the same key replays the first answer (lib/lambda-kit/middleware/idempotency.ts).
   */
  idempotent?: boolean;
}

/**
 * One service of the platform. This is the single source of truth: infra builds the
 * Lambda, table, routes and rules from it; Amadeus builds the knowledge graph from it.
 */
export interface ServiceDefinition {
  /** Service name, e.g. `campaign`; also the Lambda folder under functions/. */
  name: string;
  description: string;
  /** Entity type the service owns, e.g. `campaign` (events are `<entity>.created`, …). */
  entity: string;
  /** Collection path under /api, e.g. `campaigns` or `moderation/cases`. */
  collection: string;
  /** Logical table name `service_{service}_{entity}`. */
  table: string;
  /** Policy category of the service's entities. */
  category: string;
  /** The `service_specific` namespace the service owns, if any (one of lib/entity-metadata's SERVICE_NAMESPACES). */
  namespace?: ServiceNamespace;
  /** zod schema of the entity's own fields (everything but metadata and system fields). */
  fields: z.ZodMiniObject;
  /** The entity is its own owner (`owner_id` = its id): a user entity belongs to that user. */
  selfOwned?: boolean;
  /**
   * `false` for a service whose table is not an entity collection (no CRUD routes, no entity
   * indexes): e.g. the security service's immutable audit trail.
   */
  crud?: boolean;
  /** Secondary indexes of the table, for `crud: false` services. */
  tableIndexes?: ReadonlyArray<{ name: string; partitionKey: string; sortKey: string }>;
  /**
   * Fields of the entity the search index covers (the first one is a hit's title). The search
   * service consumes the changes of exactly these entities (derived in lib/registry/domain.ts).
   */
  searchFields?: readonly string[];
  /** ISO 8601 duration: archive an entity this long after its `scheduling.end_time`. */
  archiveAfterEnd?: string;
  /** Extra HTTP routes the service's Lambda serves besides its collection. */
  routes?: readonly RouteDefinition[];
  /** Platform resources the service needs beyond its own table (infra grants exactly these). */
  needs?: readonly PlatformNeed[];
  /** Roles allowed per CRUD operation. */
  access: Record<CrudOperation, readonly Role[]>;
  verbs: readonly VerbDefinition[];
  capabilities: readonly string[];
  dependencies: readonly string[];
  integrationPoints: readonly string[];
  /** Event types the service emits (CRUD events are derived, see `emittedEvents`). */
  emits: readonly string[];
  /** Event types the service consumes from the Nexus bus. */
  consumes: readonly string[];
}

/** A platform service: not an entity collection, but a Lambda every domain service relies on. */
export interface PlatformServiceDefinition {
  name: string;
  description: string;
  /** Lambda folder under functions/. */
  folder: string;
  routes: readonly RouteDefinition[];
  /** Event types consumed from the bus (`*`: every Tempora event). */
  consumes: readonly string[];
  emits: readonly string[];
  capabilities: readonly string[];
  dependencies: readonly string[];
  integrationPoints: readonly string[];
}
