/**
 * The Amadeus contract (SDK-free): its routes and their schemas (the knowledge graph, a service,
 * an impact report, the diagram, the history, a pattern's entities), the format of the graph it
 * publishes and the custom resource that publishes it on deploy (infra/constructs/amadeus.ts).
 */
import * as z from 'zod/mini';
import { indexKeyString } from '../limits/index.ts';
import { ALL, type PlatformServiceDefinition } from '../registry/types.ts';

/** Shape version of the graph (`format` of `GET /api/kg`, lib/amadeus/types.ts). */
export const KG_FORMAT = 1;

/** The publish-on-deploy custom resource's type (infra creates it, lib/amadeus/lambda.ts answers it). */
export const PUBLISH_RESOURCE_TYPE = 'Custom::TemporaKnowledgeGraph';

/** A service name in a `/api/kg` path. */
export const kgNameParamsSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
});

/** `GET /api/kg/diagram`: whose neighbourhood, dependencies only, which direction. */
export const kgDiagramQuerySchema = z.object({
  focus: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  deps_only: z.optional(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  ),
  direction: z.optional(z.enum(['LR', 'TD', 'RL', 'BT'])),
});

/** `GET /api/kg/history`: how many versions, newest first. */
export const kgHistoryQuerySchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
});

/** Largest pattern name (bytes of UTF-8): it is part of the pattern's partition key. */
export const MAX_PATTERN_BYTES = 512;
/** Default and largest page of `GET /api/kg/patterns/{pattern}`. */
export const MAX_PATTERN_PAGE = 100;

/** `GET /api/kg/patterns/{pattern}`: the pattern (trimmed), a page size and a cursor. */
export const kgPatternParamsSchema = z.object({
  pattern: indexKeyString(MAX_PATTERN_BYTES).check(z.trim(), z.minLength(1, 'must not be empty')),
});
export const kgPatternQuerySchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PATTERN_PAGE))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
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

export const amadeus: PlatformServiceDefinition = {
  name: 'amadeus',
  description:
    'The knowledge graph of services, capabilities and dependencies: impact analysis, diagrams, history.',
  folder: 'amadeus',
  routes: [
    {
      method: 'GET',
      path: '/api/kg',
      summary: 'The knowledge graph of services (ETag, If-None-Match).',
      roles: ALL,
      response: knowledgeGraphSchema,
      alsoAnswers: [{ status: 304, description: 'Not modified: If-None-Match names the current version' }],
    },
    {
      method: 'GET',
      path: '/api/kg/services/{name}',
      summary: 'One service of the graph.',
      roles: ALL,
      params: kgNameParamsSchema,
      response: kgServiceSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/impact/{name}',
      summary: 'What a change to a service impacts.',
      roles: ALL,
      params: kgNameParamsSchema,
      response: impactReportSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/diagram',
      summary: 'A Mermaid diagram of the graph (focus, deps_only, direction).',
      roles: ALL,
      query: kgDiagramQuerySchema,
      mediaType: 'text/plain',
      response: mermaidSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/history',
      summary: 'Versions of the graph, newest first.',
      roles: ALL,
      query: kgHistoryQuerySchema,
      response: kgHistorySchema,
    },
    {
      method: 'GET',
      path: '/api/kg/patterns/{pattern}',
      summary: 'Entities in a pattern (cursor pagination).',
      roles: ALL,
      params: kgPatternParamsSchema,
      query: kgPatternQuerySchema,
      response: kgPatternPageSchema,
    },
  ],
  consumes: ['*'],
  emits: [],
  capabilities: ['knowledge graph', 'impact analysis', 'diagrams', 'versioning'],
  dependencies: [],
  integrationPoints: ['nexus'],
};
