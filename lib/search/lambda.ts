/**
 * The search service's Lambda: `GET /api/search?q=` runs a search (without `q` it stays the
 * saved-search list of the contract's `search` collection), the saved-search CRUD, and the
 * Nexus consumer that keeps the index current (./search-index.ts).
 */
import { documentClient } from '../aws/clients.ts';
import { searchIndexEnv } from '../config/functions.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { searchRoutes } from './routes.ts';
import { SearchIndex } from './search-index.ts';

const index = once(() => new SearchIndex(documentClient(), searchIndexEnv.current().searchIndexTable));

export const handler = serviceLambda({
  http: lazy(() => serviceHandler(getService('search'), (deps) => searchRoutes(index(), deps))),
  // Idempotent by rank version: a redelivered or older event leaves the index as it is.
  events: lazy(() =>
    consumerHandler({
      '*': async (e) => {
        const outcome = await index().apply(e);
        metrics.addMetric(`Search_${outcome}`, 'Count', 1);
      },
    }),
  ),
});
