import { DOMAIN_NAMES } from './domain.ts';
import { broadcast } from './platform-broadcast.ts';
import { converse } from './platform-converse.ts';
import { scheduler } from './platform-scheduler.ts';
import {
  bulkBodySchema,
  bulkReportSchema,
  effectiveQuerySchema,
  effectiveRecordSchema,
  getQuerySchema,
  importBodySchema,
  importReportSchema,
  MAX_BULK_OPERATIONS,
  MAX_TRANSACTIONAL_OPERATIONS,
  metadataRecordSchema,
  putQuerySchema,
  recordExportSchema,
  recordKeyParamsSchema,
  recordPageSchema,
  recordPutBodySchema,
  recordReadSchema,
} from './records.ts';
import {
  migrationParamsSchema,
  migrationRequestSchema,
  migrationStartSchema,
  migrationViewSchema,
  rollbackRequestSchema,
} from './records-migration.ts';
import { recordExportQuerySchema, recordListQuerySchema } from './records-query.ts';
import {
  envelopeResponseSchema,
  impactReportSchema,
  kgHistorySchema,
  kgPatternPageSchema,
  kgServiceSchema,
  knowledgeGraphSchema,
  mermaidSchema,
} from './responses.ts';
import { eventBodySchema } from './schemas.ts';
import {
  kgDiagramQuerySchema,
  kgHistoryQuerySchema,
  kgNameParamsSchema,
  kgPatternParamsSchema,
  kgPatternQuerySchema,
} from './schemas-reads.ts';
import { ADMIN, ALL, OPS, type PlatformServiceDefinition, type RouteDefinition } from './types.ts';

export type { PlatformServiceDefinition };
export { broadcast, converse, scheduler };

const RECORD_EXAMPLE = { metadata: { tags: ['pricing', 'eu'] } };

/** The records service's routes (reads for every role, writes and export for operators). */
export const RECORDS_ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/api/metadata',
    summary:
      'Query metadata records (type, namespace, scope, state, owner; sort, fields; cursor pagination).',
    rule: 'metadata.read',
    roles: ALL,
    query: recordListQuerySchema,
    response: recordPageSchema,
  },
  {
    method: 'GET',
    path: '/api/metadata/export',
    summary: 'Export metadata records (optionally some types or namespaces; next_cursor beyond 3 MB).',
    rule: 'metadata.export',
    roles: OPS,
    query: recordExportQuerySchema,
    response: recordExportSchema,
  },
  {
    method: 'POST',
    path: '/api/metadata/import',
    summary: 'Import records exported by GET /api/metadata/export.',
    rule: 'metadata.write',
    idempotent: true,
    roles: OPS,
    body: importBodySchema,
    response: importReportSchema,
    example: { records: [{ type: 'config', name: 'pricing-eu', ...RECORD_EXAMPLE }] },
  },
  {
    method: 'POST',
    path: '/api/metadata/bulk',
    summary: `Apply up to ${MAX_BULK_OPERATIONS} upsert/delete operations on records (transactional: at most ${MAX_TRANSACTIONAL_OPERATIONS}).`,
    rule: 'metadata.write',
    idempotent: true,
    roles: OPS,
    body: bulkBodySchema,
    response: bulkReportSchema,
    example: { operations: [{ op: 'upsert', type: 'config', name: 'pricing-us', ...RECORD_EXAMPLE }] },
  },
  {
    method: 'POST',
    path: '/api/metadata/migrations',
    summary:
      'Migrate the records a filter matches (set/unset/rename/merge): dry_run → 200 report; else 202, backed up first, runs in the background.',
    rule: 'metadata.migrate',
    idempotent: true,
    roles: ADMIN,
    body: migrationRequestSchema,
    status: 202,
    response: migrationStartSchema,
    example: {
      id: 'config-reviewed',
      description: 'Every config record gets custom_rules.reviewed',
      filter: { type: 'config', state: 'active' },
      operations: [{ op: 'set', path: 'metadata.custom_rules.reviewed', value: true }],
      dry_run: true,
    },
  },
  {
    method: 'GET',
    path: '/api/metadata/migrations/{id}',
    summary:
      'A migration: status (running, completed, failed, rolling_back, rolled_back), counts, backup, reports.',
    rule: 'metadata.migrate',
    roles: OPS,
    params: migrationParamsSchema,
    response: migrationViewSchema,
  },
  {
    method: 'POST',
    path: '/api/metadata/migrations/{id}/rollback',
    summary:
      'Restore every record a migration changed from its backup (a record changed since is reported unless force: true); 202.',
    rule: 'metadata.migrate',
    idempotent: true,
    roles: ADMIN,
    params: migrationParamsSchema,
    body: rollbackRequestSchema,
    status: 202,
    response: migrationViewSchema,
    example: { force: false },
  },
  {
    method: 'GET',
    path: '/api/metadata/{type}/{name}',
    summary: 'Read a record (resolve=true: with its effective metadata).',
    rule: 'metadata.read',
    roles: ALL,
    params: recordKeyParamsSchema,
    query: getQuerySchema,
    response: recordReadSchema,
  },
  {
    method: 'PUT',
    path: '/api/metadata/{type}/{name}',
    summary: 'Create (201) or update a record (If-Match; on_conflict=update|error|skip|replace).',
    rule: 'metadata.write',
    roles: OPS,
    params: recordKeyParamsSchema,
    query: putQuerySchema,
    body: recordPutBodySchema,
    response: metadataRecordSchema,
    example: RECORD_EXAMPLE,
  },
  {
    method: 'DELETE',
    path: '/api/metadata/{type}/{name}',
    summary: 'Delete a record (If-Match).',
    rule: 'metadata.write',
    roles: OPS,
    params: recordKeyParamsSchema,
    status: 204,
  },
  {
    method: 'GET',
    path: '/api/metadata/{type}/{name}/effective',
    summary: 'A record with the metadata it inherits through extends.',
    rule: 'metadata.read',
    roles: ALL,
    params: recordKeyParamsSchema,
    query: effectiveQuerySchema,
    response: effectiveRecordSchema,
  },
];

export const nexus: PlatformServiceDefinition = {
  name: 'nexus',
  description:
    'The event bus: outbox relay to EventBridge, routing rules from the registry, POST /api/events.',
  folder: 'nexus-publisher',
  routes: [
    {
      method: 'POST',
      path: '/api/events',
      summary: 'Put an event on the Nexus bus (through the outbox).',
      rule: 'nexus.events.put',
      idempotent: true,
      roles: OPS,
      body: eventBodySchema,
      status: 202,
      response: envelopeResponseSchema,
      example: {
        type: 'billing.invoice_paid',
        service: 'billing-sync',
        entity: { type: 'invoice', id: 'inv_1042' },
        payload: { amount: 49.5, currency: 'EUR' },
      },
    },
  ],
  consumes: [],
  emits: [],
  capabilities: ['orchestration', 'patterns', 'event routing', 'event archive'],
  // Every domain service publishes through the outbox this relays (derived from lib/registry/domain.ts).
  dependencies: DOMAIN_NAMES,
  integrationPoints: ['amadeus'],
};

export const records: PlatformServiceDefinition = {
  name: 'records',
  description: 'The records protocol: typed records, queries, bulk, export/import, extends.',
  folder: 'records',
  routes: RECORDS_ROUTES,
  // A migration and its rollback run in the background, started by their own events.
  consumes: ['records.migration.started', 'records.migration.rollback_requested'],
  emits: [
    'records.migration.started',
    'records.migration.completed',
    'records.migration.failed',
    'records.migration.rollback_requested',
    'records.migration.rolled_back',
  ],
  capabilities: ['metadata records', 'bulk operations', 'export/import', 'inheritance', 'migrations'],
  dependencies: [],
  integrationPoints: ['nexus'],
};

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
      alsoAnswers: { 304: { description: 'Not modified: If-None-Match names the current version' } },
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

export const platform: readonly PlatformServiceDefinition[] = [
  nexus,
  scheduler,
  records,
  broadcast,
  amadeus,
  converse,
];
