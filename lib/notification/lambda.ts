/**
 * The notification service's Lambda: its collection (`/api/notifications`) and the Nexus
 * consumer that applies the feature rules of lib/notification/rules.ts. Both use the one
 * entity store (and policy cache) of the kit's wiring.
 */
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { serviceHandler } from '../lambda-kit/entity-service.ts';
import { lazy } from '../lambda-kit/lazy.ts';
import { serviceStore } from '../lambda-kit/wiring.ts';
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
