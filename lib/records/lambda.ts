/**
 * The HTTP routes of the records service (thin: roles, path, query and body are the
 * registry's declaration, enforced by the kit; call the service, shape the response) and the
 * Lambda handler.
 */
import type { Principal } from '../auth/tokens.ts';
import { documentClient } from '../aws/clients.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { type HttpRequest, inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { parseIfMatch } from '../lambda-kit/input.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { json } from '../lambda-kit/response.ts';
import { loadRecordsConfig } from './config.ts';
import type {
  BulkBody,
  ExportQuery,
  GetQuery,
  ImportBody,
  ListQuery,
  PutBody,
  PutQuery,
  RecordKey,
} from './contract.ts';
import { MIGRATION_EVENTS, type MigrationRequest, RECORDS_ROUTES, type RollbackRequest } from './contract.ts';
import { DynamoMigrationStore } from './migration-store.ts';
import { Migrations } from './migrations.ts';
import { type EffectiveView, RecordsService } from './service.ts';
import { DynamoRecordRepo } from './store.ts';

/** The caller (the kit has already checked the role the registry declares for the route). */
function principalOf(req: HttpRequest): Principal {
  if (!req.principal) throw new Error('route requires a principal');
  return req.principal;
}

const etag = (version: number) => ({ etag: `"${version}"` });

const metaOf = (req: HttpRequest) => ({ actor: principalOf(req), correlationId: req.correlationId });

type KeyInput<Q = unknown, B = unknown> = { params: RecordKey; query: Q; body: B };
const keyed = <Q = unknown, B = unknown>(req: HttpRequest) => inputOf<RecordKey, Q, B>(req) as KeyInput<Q, B>;

const effectiveView = (v: EffectiveView) =>
  json(
    200,
    { ...v.record, effective_metadata: v.effective_metadata, resolution: v.resolution },
    etag(v.record.version),
  );

/**
 * The routes, keyed by API Gateway route key (exactly {@link RECORDS_ROUTES}); each reads the
 * input the kit parsed with the route's declared schemas.
 */
export function recordsRoutes(svc: RecordsService, migrations: () => Migrations): Routes {
  return {
    'POST /api/metadata/migrations': {
      handler: async (req) => {
        const r = await migrations().plan(inputOf<unknown, unknown, MigrationRequest>(req).body, metaOf(req));
        return json(r.status, r.body);
      },
    },
    'GET /api/metadata/migrations/{id}': {
      handler: async (req) =>
        json(200, await migrations().status(inputOf<{ id: string }>(req).params.id, req.correlationId)),
    },
    'POST /api/metadata/migrations/{id}/rollback': {
      handler: async (req) => {
        const { params, body } = inputOf<{ id: string }, unknown, RollbackRequest>(req);
        return json(202, await migrations().requestRollback(params.id, body, metaOf(req)));
      },
    },
    'GET /api/metadata': {
      handler: async (req) => json(200, await svc.query(inputOf<unknown, ListQuery>(req).query)),
    },
    'GET /api/metadata/export': {
      handler: async (req) => json(200, await svc.exportRecords(inputOf<unknown, ExportQuery>(req).query)),
    },
    'POST /api/metadata/import': {
      handler: async (req) =>
        json(200, await svc.importRecords(inputOf<unknown, unknown, ImportBody>(req).body, principalOf(req))),
    },
    'POST /api/metadata/bulk': {
      handler: async (req) =>
        json(200, await svc.bulk(inputOf<unknown, unknown, BulkBody>(req).body, principalOf(req))),
    },
    'GET /api/metadata/{type}/{name}': {
      handler: async (req) => {
        const { params: key, query } = keyed<GetQuery>(req);
        if (query.resolve === 'true') return effectiveView(await svc.effective(key));
        const record = await svc.get(key);
        return json(200, record, etag(record.version));
      },
    },
    'GET /api/metadata/{type}/{name}/effective': {
      handler: async (req) => effectiveView(await svc.effective(keyed(req).params)),
    },
    'PUT /api/metadata/{type}/{name}': {
      handler: async (req) => {
        const { params: key, query, body } = keyed<PutQuery, PutBody>(req);
        const ifMatch = parseIfMatch(req.headers['if-match']);
        const r = await svc.save(
          key,
          body,
          {
            ...(query.on_conflict ? { onConflict: query.on_conflict } : {}),
            ...(ifMatch === undefined ? {} : { ifMatch }),
          },
          principalOf(req),
        );
        return json(r.status, r.record, { ...etag(r.record.version), 'x-tempora-outcome': r.outcome });
      },
    },
    'DELETE /api/metadata/{type}/{name}': {
      handler: async (req) => {
        await svc.remove(keyed(req).params, parseIfMatch(req.headers['if-match']));
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
/** The claim a resumed rollback's event carries (lib/records/migrations.ts `resumeIfInterrupted`). */
const resumeClaimOf = (e: EventEnvelope): string | undefined =>
  typeof e.payload?.resume_claim === 'string' ? e.payload.resume_claim : undefined;

/**
 * The Lambda handler: `export const handler = recordsHandler();` (reads its env at cold
 * start): the HTTP routes, and the migration events that run a migration or its rollback.
 * Wiring is lazy: an HTTP request builds the record service, an event the migrations, each on
 * first use.
 */
export function recordsHandler() {
  const cfg = loadRecordsConfig();
  const repo = once(() => new DynamoRecordRepo(documentClient(), cfg.table));
  const migrations = once(
    () =>
      new Migrations({
        repo: repo(),
        store: new DynamoMigrationStore(documentClient(), cfg.migrationsTable, cfg.outboxTable),
        environment: cfg.environment,
      }),
  );
  return serviceLambda({
    http: lazy(() => {
      const svc = new RecordsService(repo(), {
        cacheTtlMs: cfg.cacheTtlMs,
        maxConflictRetries: cfg.maxConflictRetries,
      });
      return httpHandler(RECORDS_ROUTES, recordsRoutes(svc, migrations));
    }),
    // Each run claims its migration once: a redelivered event does nothing (a resumed rollback
    // takes over the claim its event carries).
    events: lazy(() =>
      consumerHandler({
        [MIGRATION_EVENTS.started]: (e) => migrations().run(migrationId(e), eventMeta(e)),
        [MIGRATION_EVENTS.rollbackRequested]: (e) =>
          migrations().rollback(migrationId(e), eventMeta(e), resumeClaimOf(e)),
      }),
    ),
  });
}
