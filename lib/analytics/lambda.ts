/**
 * The analytics service's Lambda: its collection (`/api/analytics/events`), the daily
 * summary route, and the Nexus consumer that counts every event (lib/analytics/service.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient } from '../aws/clients.ts';
import { analyticsCountersEnv } from '../config/functions.ts';
import { eventConsumer } from '../events/consumer.ts';
import { serviceHandler } from '../http/service-handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { analyticsRoutes } from './routes.ts';
import { AnalyticsCounters } from './service.ts';

const service = getService('analytics');
const counters = new AnalyticsCounters(
  documentClient(),
  analyticsCountersEnv.current().analyticsCountersTable,
);

export const handler = serviceLambda({
  http: serviceHandler(service, () => analyticsRoutes(service, counters)),
  // Once per envelope id: the marker and the increments are one conditional transaction.
  events: middy(
    eventConsumer({
      '*': async (e) => {
        if (!(await counters.record(e))) metrics.addMetric('AnalyticsDuplicate', 'Count', 1);
      },
    }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
