/**
 * The scheduler Lambda: HTTP routes, every Nexus event (schedule requests and possible
 * cancellations), and the one-time schedules' invocations (`{ kind: 'scheduler.fire' }`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { documentClient } from '../aws/clients.ts';
import { schedulerEnv } from '../config/functions.ts';
import { config } from '../config.ts';
import { eventConsumer } from '../events/consumer.ts';
import { httpHandler } from '../http/handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { PolicyStore } from '../policy/store.ts';
import { entityStores } from '../store/stores.ts';
import { schedulerRoutes } from './routes.ts';
import { EventBridgeSchedules } from './schedules.ts';
import { SchedulerService } from './service.ts';

const env = schedulerEnv.current();

const cfg = config();
const ddb = documentClient();
const policies = new PolicyStore(cfg.policiesTable, ddb, cfg.policyCacheTtlMs);
const stores = entityStores(env.entityTables, cfg, ddb, (key) => policies.resolve(key));

export const scheduler = new SchedulerService({
  ddb,
  tables: { intents: env.intentsTable, outbox: cfg.outboxTable },
  environment: cfg.environment,
  schedules: new EventBridgeSchedules({
    group: env.scheduleGroup,
    targetArn: env.scheduleTargetArn,
    roleArn: env.scheduleRoleArn,
    dlqArn: env.scheduleDlqArn,
  }),
  storeFor: (type) => stores.get(type),
});

const fireSchema = z.object({
  kind: z.literal('scheduler.fire'),
  intent_id: z.string(),
  generation: z.number().int(),
});

export const handler = serviceLambda({
  http: httpHandler(schedulerRoutes(scheduler)),
  events: middy(
    eventConsumer({ '*': (e) => scheduler.onEvent(e) }, { idempotencyTable: env.idempotencyTable }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
  direct: middy(async (event: Record<string, unknown>) => {
    const fire = fireSchema.parse(event);
    const outcome = await scheduler.fire(fire.intent_id, fire.generation);
    metrics.addMetric(`Intent_${outcome}`, 'Count', 1);
    return { outcome };
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
