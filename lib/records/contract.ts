/**
 * The records service's contract: its routes (roles, schemas, examples), the events it emits
 * and consumes, and where the rest is declared (record and read shapes: contract-record.ts;
 * write requests and reports: contract-writes.ts; the query grammar: contract-query.ts;
 * migrations: contract-migration.ts; the table: contract-table.ts). SDK-free: the registry
 * aggregates it, infra builds from it, the kit enforces it, the service implements it.
 *
 * The service is named `records` everywhere (registry entry, functions/records, lib/records,
 * `RECORDS_*` variables, `records.migration.*` events). Its public routes stay under
 * `/api/metadata`, and an export's format id stays `tempora.metadata/v1`: those are the
 * original public contract's names, which clients already use, and a record *is* a metadata
 * document with a key, so the path reads right to a user.
 *
 * Consistency (docs/contract.md "Reads that see your own writes"): a read by key (`GET
 * /api/metadata/{type}/{name}`, `…/effective`) is strongly consistent; a list read from the
 * table (`type` given) is too; a list read from an index (no `type`) is eventually consistent.
 */
import { ADMIN, ALL, OPS, type PlatformServiceDefinition, type RouteDefinition } from '../registry/types.ts';
import {
  MIGRATION_EVENTS,
  migrationDryRunSchema,
  migrationParamsSchema,
  migrationRequestSchema,
  migrationViewSchema,
  rollbackRequestSchema,
} from './contract-migration.ts';
import { recordExportQuerySchema, recordListQuerySchema } from './contract-query.ts';
import {
  effectiveQuerySchema,
  effectiveRecordSchema,
  getQuerySchema,
  metadataRecordSchema,
  recordExportSchema,
  recordKeyParamsSchema,
  recordPageSchema,
  recordReadSchema,
} from './contract-record.ts';
import {
  bulkBodySchema,
  bulkReportSchema,
  importBodySchema,
  importReportSchema,
  MAX_BULK_OPERATIONS,
  MAX_TRANSACTIONAL_OPERATIONS,
  putQuerySchema,
  recordPutBodySchema,
} from './contract-writes.ts';

export * from './contract-migration.ts';
export * from './contract-query.ts';
export * from './contract-record.ts';
export * from './contract-table.ts';
export * from './contract-writes.ts';

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
    response: migrationViewSchema,
    // A dry run completes at once: its report (nothing written) is the answer.
    alsoAnswers: [
      {
        status: 200,
        description: 'dry_run: true: the report of what the migration would do',
        response: migrationDryRunSchema,
      },
    ],
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
    alsoAnswers: [{ status: 201, description: 'Created', response: metadataRecordSchema }],
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
  consumes: [MIGRATION_EVENTS.started, MIGRATION_EVENTS.rollbackRequested],
  emits: Object.values(MIGRATION_EVENTS),
  capabilities: ['metadata records', 'bulk operations', 'export/import', 'inheritance', 'migrations'],
  dependencies: [],
  integrationPoints: ['nexus'],
};
