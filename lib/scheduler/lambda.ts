/**
 * The scheduler Lambda: HTTP routes, every Nexus event (schedule requests and possible
 * cancellations), and the one-time schedules' invocations (`{ kind: 'scheduler.fire' }`).
 */
import * as z from 'zod';
import { documentClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { consumerHandler } from '../edge/consumer.ts';
import { directHandler } from '../edge/direct.ts';
import { httpHandler } from '../edge/http.ts';
import { lazy, once } from '../edge/lazy.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import { otherStores } from '../edge/wiring.ts';
import { metrics } from '../observability.ts';
import { getPlatformService } from '../registry/index.ts';
import { schedulerRoutes } from './routes.ts';
import { EventBridgeSchedules } from './schedules.ts';
import { SchedulerService } from './service.ts';

const envSchema = z.object({
  INTENTS_TABLE: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  SCHEDULE_GROUP: z.string().min(1),
  SCHEDULE_TARGET_ARN: z.string().min(1),
  SCHEDULE_ROLE_ARN: z.string().min(1),
  SCHEDULE_DLQ_ARN: z.string().min(1),
  ENTITY_TABLES: z.string().min(2),
});
const env = once(() => envSchema.parse(process.env));

/** The scheduler, built on first use (whatever the invocation). */
export const scheduler = once(() => {
  const e = env();
  const cfg = config();
  const stores = otherStores(e.ENTITY_TABLES);
  return new SchedulerService({
    ddb: documentClient(),
    tables: { intents: e.INTENTS_TABLE, outbox: cfg.outboxTable },
    environment: cfg.environment,
    schedules: new EventBridgeSchedules({
      group: e.SCHEDULE_GROUP,
      targetArn: e.SCHEDULE_TARGET_ARN,
      roleArn: e.SCHEDULE_ROLE_ARN,
      dlqArn: e.SCHEDULE_DLQ_ARN,
    }),
    storeFor: (type) => stores.get(type),
  });
});

const fireSchema = z.object({
  kind: z.literal('scheduler.fire'),
  intent_id: z.string(),
  generation: z.number().int(),
});

export const handler = serviceLambda({
  http: lazy(() => httpHandler(getPlatformService('scheduler').routes, schedulerRoutes(scheduler()))),
  events: lazy(() =>
    consumerHandler({ '*': (e) => scheduler().onEvent(e) }, { idempotencyTable: env().IDEMPOTENCY_TABLE }),
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
