/**
 * The analytics service's Lambda: its collection (`/api/analytics/events`), the daily
 * summary route, and the Nexus consumer that counts every event (lib/analytics/service.ts).
 */
import { documentClient } from '../aws/clients.ts';
import { analyticsCountersEnv } from '../config/functions.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { analyticsRoutes } from './routes.ts';
import { AnalyticsCounters } from './service.ts';

const service = getService('analytics');
const counters = once(
  () => new AnalyticsCounters(documentClient(), analyticsCountersEnv.current().analyticsCountersTable),
);

export const handler = serviceLambda({
  http: lazy(() => serviceHandler(service, () => analyticsRoutes(counters()))),
  // Once per envelope id: the marker and the increments are one conditional transaction.
  events: lazy(() =>
    consumerHandler({
      '*': async (e) => {
        if (!(await counters().record(e))) metrics.addMetric('AnalyticsDuplicate', 'Count', 1);
      },
    }),
  ),
});
