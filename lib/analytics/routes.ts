/**
 * `GET /api/analytics/summary?from=&to=`: daily counters over a range of days. Roles and the
 * query (lib/registry/schemas.ts `summaryQuerySchema`) are the registry's declaration, enforced by the kit.
 */
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import type { SummaryQuery } from './contract-routes.ts';
import type { AnalyticsCounters } from './service.ts';

export { summaryQuerySchema } from './contract-routes.ts';

export function analyticsRoutes(counters: AnalyticsCounters): Routes {
  return {
    'GET /api/analytics/summary': {
      handler: async (req) => {
        const q = inputOf<unknown, SummaryQuery>(req).query;
        return json(200, await counters.summary(q.from, q.to));
      },
    },
  };
}
