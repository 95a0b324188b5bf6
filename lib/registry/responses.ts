/**
 * Response schemas routes declare (the OpenAPI reference and the integration suite's check).
 * Each matches what the handler really returns: exact where a client relies on it (ids, status
 * enums, counts), `looseObject` where the payload is open (entity fields, event payloads).
 */
import * as z from 'zod/mini';
import { policyKeySchema, policySchema } from './schemas.ts';

/** An entity as the API shows it: its own fields, metadata and the system fields. */
export const entitySchema = z.looseObject({
  id: z.string(),
  version: z.number().check(z.int()),
  created_at: z.string(),
  updated_at: z.string(),
  owner_id: z.optional(z.string()),
  state: z.optional(z.string()),
  metadata: z.optional(z.record(z.string(), z.unknown())),
});

/** One page of a list (`next_cursor`: null on the last page). */
export const pageOf = (item: z.ZodMiniType) =>
  z.looseObject({ items: z.array(item), next_cursor: z.optional(z.nullable(z.string())) });

/** One page of a list of open objects. */
export const pageSchema = pageOf(z.looseObject({}));

/** `{ items }` without pagination. */
export const itemsSchema = z.looseObject({ items: z.array(z.looseObject({})) });

const role = policyKeySchema.shape.role;

/** The Nexus event envelope as the API returns it (`POST /api/events`, audit records). */
export const envelopeResponseSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  version: z.string(),
  source: z.string(),
  environment: z.string(),
  occurred_at: z.string(),
  correlation_id: z.string(),
  actor: z.object({ id: z.string(), role }),
  entity: z.object({ type: z.string(), id: z.string(), version: z.number().check(z.int()) }),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

/** One record of the immutable audit trail (lib/security/audit.ts). */
export const auditRecordSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  entity_id: z.string(),
  entity_type: z.string(),
  occurred_at: z.string(),
  at_sk: z.string(),
  correlation_id: z.string(),
  actor: z.object({ id: z.string(), role }),
  envelope: envelopeResponseSchema,
  recorded_at: z.string(),
});

/** A row of the policy matrix as stored (`id` = `role/environment/category`). */
export const policyRowSchema = z.object({
  id: z.string(),
  ...policyKeySchema.shape,
  ...policySchema.shape,
  updated_at: z.optional(z.string()),
  updated_by: z.optional(z.string()),
});

/** `GET /api/policies`: an environment's rows and the default policy of each role. */
export const policyMatrixSchema = z.object({
  environment: z.string(),
  items: z.array(policyRowSchema),
  defaults: z.object({ user: policySchema, admin: policySchema, service: policySchema }),
});

export { intentSchema } from './intent-schema.ts';

const counts = z.record(z.string(), z.number());
const dayTotals = { events: z.number().check(z.int()), types: counts, tags: counts, features: counts };

/** `GET /api/analytics/summary`: daily counters over [from, to] and their totals. */
export const analyticsSummarySchema = z.object({
  from: z.string(),
  to: z.string(),
  totals: z.object(dayTotals),
  days: z.array(z.object({ date: z.string(), ...dayTotals })),
});

const names = z.array(z.string());

/** One service of the knowledge graph (lib/amadeus/types.ts `KgServiceNode`). */
export const kgServiceSchema = z.object({
  name: z.string(),
  description: z.string(),
  entity: z.nullable(z.string()),
  collection: z.nullable(z.string()),
  table: z.nullable(z.string()),
  capabilities: names,
  dependencies: names,
  dependents: names,
  integration_points: names,
  integrated_by: names,
  routes: names,
  events: z.object({ emits: names, consumes: names }),
});

/** The knowledge graph (lib/amadeus/types.ts `KnowledgeGraph`). */
export const knowledgeGraphSchema = z.object({
  format: z.number().check(z.int()),
  version: z.number().check(z.int()),
  hash: z.string(),
  generated_at: z.string(),
  last_updated: z.string(),
  services: z.record(z.string(), kgServiceSchema),
  edges: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      kind: z.enum(['depends_on', 'integrates_with', 'emits', 'consumes']),
    }),
  ),
  events: z.record(z.string(), z.object({ producers: names, consumers: names })),
});

/** What a change to one service impacts (lib/amadeus/impact.ts `ImpactReport`). */
export const impactReportSchema = z.object({
  service: z.string(),
  direct_dependents: names,
  transitive_dependents: names,
  direct_dependencies: names,
  transitive_dependencies: names,
  integrated_by: names,
  cycles: z.array(names),
  cycles_truncated: z.boolean(),
  events_affected: z.array(z.object({ type: z.string(), consumers: names })),
});

/** `GET /api/kg/history`: published versions without their graphs, newest first. */
export const kgHistorySchema = z.object({
  items: z.array(
    z.object({
      version: z.number().check(z.int()),
      hash: z.string(),
      published_at: z.string(),
      // The diff from the previous version (lib/amadeus/history.ts `GraphDiff`); null for version 1.
      changes_from_previous: z.nullable(z.looseObject({ from_hash: z.string(), to_hash: z.string() })),
    }),
  ),
});

/** `GET /api/kg/patterns/{pattern}`: a page of the entities in a pattern. */
export const kgPatternPageSchema = z.object({
  pattern: z.string(),
  items: z.array(z.object({ type: z.string(), id: z.string(), dependencies: names })),
  next_cursor: z.nullable(z.string()),
});

/** A Mermaid diagram (`text/plain`). */
export const mermaidSchema = z.string().check(z.minLength(1));

/** `GET /api/openapi.json`: an OpenAPI 3.1 document. */
export const openApiSchema = z.looseObject({
  openapi: z.string().check(z.startsWith('3.1')),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
});
