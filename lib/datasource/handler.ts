/**
 * The HTTP routes of the metadata datasource (thin: roles are the registry's declaration,
 * enforced by the kit; parse the path and query,
 * call the service, shape the response) and the Lambda handler.
 */
import type { Principal } from '../auth/tokens.ts';
import { documentClient } from '../aws/clients.ts';
import { httpHandler } from '../edge/http.ts';
import type { HttpRequest, Routes } from '../edge/http-types.ts';
import { parseIfMatch, parseQuery } from '../edge/input.ts';
import { json } from '../edge/response.ts';
import { DATASOURCE_ROUTES } from '../registry/platform.ts';
import { loadDatasourceConfig } from './config.ts';
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

/** The routes, keyed by API Gateway route key (exactly {@link DATASOURCE_ROUTES}). */
export function datasourceRoutes(svc: DatasourceService): Routes {
  return {
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

/** The Lambda handler: `export const handler = datasourceHandler();` (reads its env at cold start). */
export function datasourceHandler() {
  const cfg = loadDatasourceConfig();
  const svc = new DatasourceService(new DynamoRecordRepo(documentClient(), cfg.table), {
    cacheTtlMs: cfg.cacheTtlMs,
    maxConflictRetries: cfg.maxConflictRetries,
  });
  return httpHandler(DATASOURCE_ROUTES, datasourceRoutes(svc));
}
