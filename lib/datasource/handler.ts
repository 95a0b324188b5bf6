/**
 * The HTTP routes of the metadata datasource (thin: roles are the registry's declaration,
 * enforced by the kit; parse the path and query,
 * call the service, shape the response) and the Lambda handler.
 */
import type { Principal } from '../auth/tokens.ts';
import { documentClient } from '../aws/clients.ts';
import { consumerHandler } from '../edge/consumer.ts';
import { httpHandler } from '../edge/http.ts';
import type { HttpRequest, Routes } from '../edge/http-types.ts';
import { parseIfMatch, parseQuery } from '../edge/input.ts';
import { lazy, once } from '../edge/lazy.ts';
import { json } from '../edge/response.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { DATASOURCE_ROUTES } from '../registry/platform.ts';
import { loadDatasourceConfig } from './config.ts';
import { DynamoMigrationStore } from './migration-store.ts';
import { MIGRATION_EVENTS, Migrations } from './migrations.ts';
import { parseListQuery } from './query.ts';
import { effectiveQuerySchema, getQuerySchema, parseKeyParams, putQuerySchema } from './schema.ts';
import { DatasourceService } from './service.ts';
import { DynamoRecordRepo } from './store.ts';

/** The caller (the kit has already checked the role the registry declares for the route). */
function principalOf(req: HttpRequest): Principal {
  if (!req.principal) throw new Error('route requires a principal');
  return req.principal;
}

const etag = (version: number) => ({ etag: `"${version}"` });

const metaOf = (req: HttpRequest) => ({ actor: principalOf(req), correlationId: req.correlationId });

/** The routes, keyed by API Gateway route key (exactly {@link DATASOURCE_ROUTES}). */
export function datasourceRoutes(svc: DatasourceService, migrations: () => Migrations): Routes {
  return {
    'POST /api/metadata/migrations': {
      handler: async (req) => {
        const r = await migrations().plan(req.body, metaOf(req));
        return json(r.status, r.body);
      },
    },
    'GET /api/metadata/migrations/{id}': {
      handler: async (req) => json(200, await migrations().status(String(req.params.id))),
    },
    'POST /api/metadata/migrations/{id}/rollback': {
      handler: async (req) =>
        json(202, await migrations().requestRollback(String(req.params.id), req.body, metaOf(req))),
    },
    'GET /api/metadata': {
      handler: async (req) => {
        return json(200, await svc.query(parseListQuery(req.query)));
      },
    },
    'GET /api/metadata/export': {
      handler: async (req) => {
        return json(200, await svc.exportRecords(req.query));
      },
    },
    'POST /api/metadata/import': {
      handler: async (req) => {
        const actor = principalOf(req);
        return json(200, await svc.importRecords(req.body, actor));
      },
    },
    'POST /api/metadata/bulk': {
      handler: async (req) => {
        const actor = principalOf(req);
        return json(200, await svc.bulk(req.body, actor));
      },
    },
    'GET /api/metadata/{type}/{name}': {
      handler: async (req) => {
        const key = parseKeyParams(req.params);
        const q = parseQuery(getQuerySchema, req.query);
        if (q.resolve === 'true') {
          const v = await svc.effective(key);
          return json(
            200,
            { ...v.record, effective_metadata: v.effective_metadata, resolution: v.resolution },
            etag(v.record.version),
          );
        }
        const record = await svc.get(key);
        return json(200, record, etag(record.version));
      },
    },
    'GET /api/metadata/{type}/{name}/effective': {
      handler: async (req) => {
        const key = parseKeyParams(req.params);
        parseQuery(effectiveQuerySchema, req.query);
        const v = await svc.effective(key);
        return json(
          200,
          { ...v.record, effective_metadata: v.effective_metadata, resolution: v.resolution },
          etag(v.record.version),
        );
      },
    },
    'PUT /api/metadata/{type}/{name}': {
      handler: async (req) => {
        const actor = principalOf(req);
        const key = parseKeyParams(req.params);
        const q = parseQuery(putQuerySchema, req.query);
        const ifMatch = parseIfMatch(req.headers['if-match']);
        const r = await svc.save(
          key,
          req.body,
          {
            ...(q.on_conflict ? { onConflict: q.on_conflict } : {}),
            ...(ifMatch === undefined ? {} : { ifMatch }),
          },
          actor,
        );
        return json(r.status, r.record, { ...etag(r.record.version), 'x-tempora-outcome': r.outcome });
      },
    },
    'DELETE /api/metadata/{type}/{name}': {
      handler: async (req) => {
        const key = parseKeyParams(req.params);
        await svc.remove(key, parseIfMatch(req.headers['if-match']));
        return json(204);
      },
    },
  };
}

/** The actor and correlation of the request that started a migration (its event). */
const eventMeta = (e: EventEnvelope) => ({
  actor: { sub: e.actor.id, role: e.actor.role },
  correlationId: e.correlation_id,
});
const migrationId = (e: EventEnvelope) => String(e.payload?.migration_id ?? e.entity.id);

/**
 * The Lambda handler: `export const handler = datasourceHandler();` (reads its env at cold
 * start): the HTTP routes, and the migration events that run a migration or its rollback.
 */
export function datasourceHandler() {
  const cfg = loadDatasourceConfig();
  const repo = new DynamoRecordRepo(documentClient(), cfg.table);
  const svc = new DatasourceService(repo, {
    cacheTtlMs: cfg.cacheTtlMs,
    maxConflictRetries: cfg.maxConflictRetries,
  });
  const migrations = once(
    () =>
      new Migrations({
        repo,
        store: new DynamoMigrationStore(documentClient(), cfg.migrationsTable, cfg.outboxTable),
        environment: cfg.environment,
      }),
  );
  return serviceLambda({
    http: httpHandler(DATASOURCE_ROUTES, datasourceRoutes(svc, migrations)),
    // Each run claims its migration once: a redelivered event does nothing.
    events: lazy(() =>
      consumerHandler({
        [MIGRATION_EVENTS.started]: (e) => migrations().run(migrationId(e), eventMeta(e)),
        [MIGRATION_EVENTS.rollbackRequested]: (e) => migrations().rollback(migrationId(e), eventMeta(e)),
      }),
    ),
  });
}
