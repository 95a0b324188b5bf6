/**
 * The notification service's Lambda: its collection (`/api/notifications`) and the Nexus
 * consumer that applies the feature rules of lib/notification/rules.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { eventConsumer } from '../events/consumer.ts';
import { serviceHandler } from '../http/service-handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { PolicyStore } from '../policy/store.ts';
import { getService } from '../registry/index.ts';
import { EntityStore } from '../store/entity-store.ts';
import { NotificationService } from './service.ts';

const cfg = config();
const ddb = documentClient();
const service = getService('notification');
const policies = new PolicyStore(cfg.policiesTable, ddb, cfg.policyCacheTtlMs);
const notifications = new NotificationService(
  new EntityStore(
    service,
    { entity: cfg.entityTable, master: cfg.masterTable, outbox: cfg.outboxTable, index: cfg.indexTable },
    cfg.environment,
    ddb,
    (key) => policies.resolve(key),
  ),
);

export const handler = serviceLambda({
  http: serviceHandler(service),
  // Idempotent per (event, user): notification ids derive from the rules' dedupe keys.
  events: middy(
    eventConsumer({
      '*': async (e) => {
        const r = await notifications.onEvent(e);
        if (r.created) metrics.addMetric('NotificationsCreated', 'Count', r.created);
      },
    }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
