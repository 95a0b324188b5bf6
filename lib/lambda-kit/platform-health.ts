/**
 * `GET /api/health`: the platform's health, every table of every service plus the
 * central ones; and `GET /api/openapi.json`, the API's OpenAPI 3.1 document (both public).
 * The tables come from `HEALTH_TABLES` (JSON `{ key: { logical, physical } }`), which infra/
 * derives from the registry.
 */
import type { EnvSource } from '../config/env.ts';
import { healthEnv } from '../config/functions.ts';
import { healthReport } from '../health.ts';
import { HEALTH_ROUTES } from '../registry/index.ts';
import { openApiDocument } from '../registry/openapi.ts';
import { httpHandler } from './http.ts';
import { once } from './lazy.ts';
import { json } from './response.ts';

/** Generated once per process, on first request. */
const openApi = once(openApiDocument);

export function platformHealthHandler(env: EnvSource = process.env) {
  const tables = healthEnv.read(env).healthTables;
  return httpHandler(HEALTH_ROUTES, {
    'GET /api/health': {
      handler: async () => {
        const report = await healthReport('tempora', tables);
        return json(report.status === 'ok' ? 200 : 503, report);
      },
    },
    'GET /api/openapi.json': { handler: async () => json(200, openApi()) },
  });
}
