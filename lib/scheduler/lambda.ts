/**
 * The scheduler Lambda: HTTP routes, every Nexus event (schedule requests and possible
 * cancellations), and the one-time schedules' invocations (`{ kind: 'scheduler.fire' }`).
 */
import * as z from 'zod/mini';
import { documentClient } from '../aws/clients.ts';
import { schedulerEnv } from '../config/functions.ts';
import { config } from '../config.ts';
import { consumerHandler } from '../edge/consumer.ts';
import { directHandler } from '../edge/direct.ts';
import { httpHandler } from '../edge/http.ts';
import { lazy, once } from '../edge/lazy.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import { otherStores } from '../edge/wiring.ts';
import { metrics } from '../observability.ts';
import { scheduler as declaration } from '../registry/platform-scheduler.ts';
import { schedulerRoutes } from './routes.ts';
import { EventBridgeSchedules } from './schedules.ts';
import { SchedulerService } from './service.ts';

const env = once(() => schedulerEnv.current());

/** The scheduler, built on first use (whatever the invocation). */
export const scheduler = once(() => {
  const e = env();
  const cfg = config();
  const stores = otherStores(e.entityTables);
  return new SchedulerService({
    ddb: documentClient(),
    tables: { intents: e.intentsTable, outbox: cfg.outboxTable },
    environment: cfg.environment,
    schedules: new EventBridgeSchedules({
      group: e.scheduleGroup,
      targetArn: e.scheduleTargetArn,
      roleArn: e.scheduleRoleArn,
      dlqArn: e.scheduleDlqArn,
    }),
    storeFor: (type) => stores.get(type),
  });
});

const fireSchema = z.object({
  kind: z.literal('scheduler.fire'),
  intent_id: z.string(),
  generation: z.number().check(z.int()),
});

export const handler = serviceLambda({
  http: lazy(() => httpHandler(declaration.routes, schedulerRoutes(scheduler()))),
  events: lazy(() =>
    consumerHandler({ '*': (e) => scheduler().onEvent(e) }, { idempotencyTable: env().idempotencyTable }),
  ),
  direct: lazy(() =>
    directHandler(async (event: Record<string, unknown>) => {
      const fire = fireSchema.parse(event);
      const outcome = await scheduler().fire(fire.intent_id, fire.generation);
      metrics.addMetric(`Intent_${outcome}`, 'Count', 1);
      return { outcome };
    }),
  ),
});
