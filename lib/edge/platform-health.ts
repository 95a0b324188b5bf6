/**
 * `GET /api/health`: the platform's health, every table of every service plus the
 * central ones. The tables come from `HEALTH_TABLES` (JSON `{ key: { logical, physical } }`),
 * which infra/ derives from the registry.
 */
import type { EnvSource } from '../config/env.ts';
import { healthEnv } from '../config/functions.ts';
import { healthReport } from '../health.ts';
import { httpHandler } from './http.ts';
import { json } from './response.ts';

export function platformHealthHandler(env: EnvSource = process.env) {
  const tables = healthEnv.read(env).healthTables;
  return httpHandler(
    {
      'GET /api/health': {
        public: true,
        handler: async () => {
          const report = await healthReport('tempora', tables);
          return json(report.status === 'ok' ? 200 : 503, report);
        },
      },
    },
    { signingKey: async () => '' },
  );
}
