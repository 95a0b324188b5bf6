/**
 * `GET /api/health`: the platform's health, every table of every service plus the
 * central ones. The tables come from `HEALTH_TABLES` (JSON `{ key: { logical, physical } }`),
 * which infra/ derives from the registry.
 */
import * as z from 'zod';
import { healthReport } from '../health.ts';
import { httpHandler } from './http.ts';
import { json } from './response.ts';

const tablesSchema = z.record(z.string(), z.object({ logical: z.string(), physical: z.string() }));

export function platformHealthHandler(env: NodeJS.ProcessEnv = process.env) {
  const tables = tablesSchema.parse(JSON.parse(env.HEALTH_TABLES ?? '{}'));
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
