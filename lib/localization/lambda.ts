/**
 * The localization service's Lambda: its collection (`/api/localization/jobs`) and the Nexus
 * consumer that translates entities' scripts (lib/localization/service.ts).
 */
import { entityWriterEnv, translationEnv } from '../config/functions.ts';
import { config } from '../config.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { otherStores } from '../lambda-kit/wiring.ts';
import { metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { pricingRules } from '../store/pricing-rules.ts';
import { priceRoutes } from './prices.ts';
import { providerFromConfig } from './provider.ts';
import { LocalizationService } from './service.ts';

/** The consumer's service, built on the first event (an HTTP request never builds it). */
export const localization = once(() => {
  const stores = otherStores(entityWriterEnv.current().entityTables);
  return new LocalizationService({
    storeFor: (type) => stores.get(type),
    provider: providerFromConfig(translationEnv.current().translationProvider),
    environment: config().environment,
  });
});

export const handler = serviceLambda({
  http: lazy(() => serviceHandler(getService('localization'), () => priceRoutes(pricingRules))),
  // Idempotent by content: a redelivered event finds its translations written and does nothing.
  events: lazy(() =>
    consumerHandler({
      '*': async (e) => {
        const outcome = await localization().onEvent(e);
        metrics.addMetric(`Localization_${outcome}`, 'Count', 1);
      },
    }),
  ),
});
