/**
 * The platform services (not entity collections: Lambdas every domain service relies on), each
 * declared in its contract (lib/<service>/contract.ts), listed here in order. The records
 * service's routes are declared below.
 */
import { amadeus } from '../amadeus/contract.ts';
import { broadcast } from '../broadcast/contract.ts';
import { converse } from '../converse/contract.ts';
import { nexus } from '../nexus/contract.ts';
import { scheduler } from '../scheduler/contract.ts';
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
import { ADMIN, ALL, OPS, type PlatformServiceDefinition, type RouteDefinition } from './types.ts';

export type { PlatformServiceDefinition };
export { amadeus, broadcast, converse, nexus, scheduler };

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

export const platform: readonly PlatformServiceDefinition[] = [
  nexus,
  scheduler,
  records,
  broadcast,
  amadeus,
  converse,
];
