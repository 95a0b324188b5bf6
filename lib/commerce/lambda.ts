/** The commerce service's Lambda: the orders collection, with location-based pricing (./routes.ts). */

import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { getService } from '../registry/index.ts';
import { pricingRules } from '../store/pricing-rules.ts';
import { orderRoutes } from './routes.ts';

export const handler = serviceHandler(getService('commerce'), (deps) => orderRoutes(deps, pricingRules));
