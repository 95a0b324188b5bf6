/** The commerce service's Lambda: the orders collection, with location-based pricing (./routes.ts). */
import { serviceHandler } from '../edge/service-handler.ts';
import { pricingRules } from '../metadata/pricing-rules.ts';
import { getService } from '../registry/index.ts';
import { orderRoutes } from './routes.ts';

export const handler = serviceHandler(getService('commerce'), (deps) => orderRoutes(deps, pricingRules));
