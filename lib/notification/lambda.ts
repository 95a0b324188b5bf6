/**
 * The notification service's Lambda: its collection (`/api/notifications`) and the Nexus
 * consumer that applies the feature rules of lib/notification/rules.ts. Both use the one
 * entity store (and policy cache) of the kit's wiring.
 */
import { consumerHandler } from '../edge/consumer.ts';
import { lazy } from '../edge/lazy.ts';
import { serviceHandler } from '../edge/service-handler.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import { serviceStore } from '../edge/wiring.ts';
import { metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { NotificationService } from './service.ts';

const service = getService('notification');

export const handler = serviceLambda({
  http: lazy(() => serviceHandler(service)),
  // Idempotent per (event, user): notification ids derive from the rules' dedupe keys.
  events: lazy(() => {
    const notifications = new NotificationService(serviceStore(service));
    return consumerHandler({
      '*': async (e) => {
        const r = await notifications.onEvent(e);
        if (r.created) metrics.addMetric('NotificationsCreated', 'Count', r.created);
      },
    });
  }),
});
