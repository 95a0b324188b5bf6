/** The commerce service's Lambda: the orders collection, with location-based pricing (./routes.ts). */

import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { lazy } from '../lambda-kit/lazy.ts';
import { getService } from '../registry/index.ts';
import { pricingRules } from '../store/pricing-rules.ts';
import { orderRoutes } from './routes.ts';

// Built on the first invocation, not at import: the handler reads the function's configuration.
export const handler = lazy(() =>
  serviceHandler(getService('commerce'), (deps) => orderRoutes(deps, pricingRules)),
);
