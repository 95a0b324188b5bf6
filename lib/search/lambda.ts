/**
 * The search service's Lambda: `GET /api/search?q=` runs a search (without `q` it stays the
 * saved-search list of the contract's `search` collection), the saved-search CRUD, and the
 * Nexus consumer that keeps the index current (lib/search/index.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient } from '../aws/clients.ts';
import { searchIndexEnv } from '../config/functions.ts';
import { eventConsumer } from '../events/consumer.ts';
import { serviceHandler } from '../http/service-handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { SearchIndex } from './index.ts';
import { searchRoutes } from './routes.ts';

const index = new SearchIndex(documentClient(), searchIndexEnv.current().searchIndexTable);

export const handler = serviceLambda({
  http: serviceHandler(getService('search'), (deps) => searchRoutes(index, deps)),
  // Idempotent by rank version: a redelivered or older event leaves the index as it is.
  events: middy(
    eventConsumer({
      '*': async (e) => {
        const outcome = await index.apply(e);
        metrics.addMetric(`Search_${outcome}`, 'Count', 1);
      },
    }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
