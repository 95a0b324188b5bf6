/**
 * The localization service's Lambda: its collection (`/api/localization/jobs`) and the Nexus
 * consumer that translates entities' scripts (lib/localization/service.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient } from '../aws/clients.ts';
import { entityWriterEnv, translationEnv } from '../config/functions.ts';
import { config } from '../config.ts';
import { eventConsumer } from '../events/consumer.ts';
import { serviceHandler } from '../http/service-handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { PolicyStore } from '../policy/store.ts';
import { getService } from '../registry/index.ts';
import { entityStores } from '../store/stores.ts';
import { providerFromConfig } from './provider.ts';
import { LocalizationService } from './service.ts';

const cfg = config();
const ddb = documentClient();
const policies = new PolicyStore(cfg.policiesTable, ddb, cfg.policyCacheTtlMs);
const stores = entityStores(entityWriterEnv.current().entityTables, cfg, ddb, (key) => policies.resolve(key));

export const localization = new LocalizationService({
  storeFor: (type) => stores.get(type),
  provider: providerFromConfig(translationEnv.current().translationProvider),
  environment: cfg.environment,
});

export const handler = serviceLambda({
  http: serviceHandler(getService('localization')),
  // Idempotent by content: a redelivered event finds its translations written and does nothing.
  events: middy(
    eventConsumer({
      '*': async (e) => {
        const outcome = await localization.onEvent(e);
        metrics.addMetric(`Localization_${outcome}`, 'Count', 1);
      },
    }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
