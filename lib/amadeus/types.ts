/**
 * Shapes of the Amadeus knowledge graph. Everything here is plain JSON: the graph is served
 * as is by `GET /api/kg`, stored as is in the version history and hashed canonically.
 */
import type { RouteDefinition } from '../registry/types.ts';

/**
 * What the graph builder reads of a service. The registry's `ServiceDefinition` satisfies
 * it; a platform service (nexus, scheduler, broadcast, amadeus) that owns no entity leaves
 * `entity`, `collection`, `table` and `verbs` out and lists its `routes` and `emits` itself.
 */
export interface KgServiceInput {
  readonly name: string;
  readonly description: string;
  /** Entity type the service owns; its CRUD events are `<entity>.created|updated|deleted`. */
  readonly entity?: string;
  /** Collection path under `/api`; with `entity` and `verbs`, the CRUD routes are derived from it. */
  readonly collection?: string;
  /** Logical table name. */
  readonly table?: string;
  readonly verbs?: ReadonlyArray<{ readonly name: string; readonly emits: string }>;
  /** Extra routes (for a platform service: all of its routes). */
  readonly routes?: readonly RouteDefinition[];
  readonly capabilities: readonly string[];
  /** Services this one needs to work (a hard dependency: impact analysis follows these). */
  readonly dependencies: readonly string[];
  /** Services this one talks to without needing them (drawn dotted; not followed by impact). */
  readonly integrationPoints: readonly string[];
  /** Declared extra event types (CRUD and verb events of an entity service are derived). */
  readonly emits: readonly string[];
  /** Event types consumed from the Nexus bus; `*` (every event) and `prefix.*` are wildcards. */
  readonly consumes: readonly string[];
}

/** One service of the graph. Every list is sorted and free of duplicates. */
export interface KgServiceNode {
  name: string;
  description: string;
  entity: string | null;
  collection: string | null;
  table: string | null;
  capabilities: string[];
  /** Services this one depends on (declared). */
  dependencies: string[];
  /** Services that depend on this one (derived from the others' `dependencies`). */
  dependents: string[];
  /** Services this one integrates with (declared). */
  integration_points: string[];
  /** Services that list this one as an integration point (derived). */
  integrated_by: string[];
  /** API Gateway route keys, e.g. `GET /api/campaigns/{id}`. */
  routes: string[];
  events: { emits: string[]; consumes: string[] };
}

export type KgEdgeKind = 'depends_on' | 'integrates_with' | 'emits' | 'consumes';

/**
 * A directed edge. `from` is always a service; `to` is a service for `depends_on` and
 * `integrates_with`, an event type for `emits` and `consumes`.
 */
export interface KgEdge {
  from: string;
  to: string;
  kind: KgEdgeKind;
}

/** Who produces and who consumes one event type (wildcard subscribers included as consumers). */
export interface KgEventNode {
  producers: string[];
  consumers: string[];
}

/** Version of the graph's JSON shape (bump on an incompatible change of these types): ./contract.ts. */
export { KG_FORMAT } from './contract.ts';

export interface KnowledgeGraph {
  /** Shape version, {@link KG_FORMAT}. */
  format: number;
  /** Published version number (1, 2, …) assigned by the history; 0 for a graph not yet published. */
  version: number;
  /** SHA-256 of the canonical JSON of `format`, `services`, `edges` and `events`: equal content, equal hash. */
  hash: string;
  /** When this graph was built (RFC 3339). Not part of the hash. */
  generated_at: string;
  /** When the content last changed: the publication time of this version (`generated_at` until published). */
  last_updated: string;
  /** Services by name, in name order. */
  services: Record<string, KgServiceNode>;
  /** Every edge once, sorted by `from`, `kind`, `to`. */
  edges: KgEdge[];
  /** Concrete event types (emitted, or consumed by exact name), in type order. */
  events: Record<string, KgEventNode>;
}
