/**
 * The localization service's Lambda: its collection (`/api/localization/jobs`) and the Nexus
 * consumer that translates entities' scripts (lib/localization/service.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { documentClient } from '../aws/clients.ts';
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

const env = z
  .object({
    /** `{ <service>: <physical table> }` of every CRUD service (infra: need `entities:write`). */
    ENTITY_TABLES: z.string().min(2),
    TRANSLATION_PROVIDER: z.enum(['aws', 'offline']).default('aws'),
  })
  .parse(process.env);

const cfg = config();
const ddb = documentClient();
const policies = new PolicyStore(cfg.policiesTable, ddb, cfg.policyCacheTtlMs);
const stores = entityStores(JSON.parse(env.ENTITY_TABLES), cfg, ddb, (key) => policies.resolve(key));

export const localization = new LocalizationService({
  storeFor: (type) => stores.get(type),
  provider: providerFromConfig(env.TRANSLATION_PROVIDER),
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
