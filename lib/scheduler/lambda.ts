/**
 * The scheduler Lambda: HTTP routes, every Nexus event (schedule requests, possible
 * cancellations, bulk cancellation steps), the one-time schedules' invocations
 * (`{ kind: 'scheduler.fire' }`) and the materializer's rule (`{ kind: 'scheduler.materialize' }`).
 */
import * as z from 'zod/mini';
import { documentClient } from '../aws/clients.ts';
import { schedulerEnv } from '../config/functions.ts';
import { config } from '../config.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { directHandler } from '../lambda-kit/direct.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { otherStores } from '../lambda-kit/wiring.ts';
import { metrics } from '../observability.ts';
import { addDuration } from '../policy/duration.ts';
import { IntentCancellations } from './cancellations.ts';
import { scheduler as declaration } from './contract.ts';
import { schedulerRoutes } from './routes.ts';
import { EventBridgeSchedules } from './schedules.ts';
import { IntentSearch, summarize } from './search.ts';
import { SchedulerService } from './service.ts';

const env = once(() => schedulerEnv.current());

/** The scheduler and its rooms, built on first use (whatever the invocation). */
export const rooms = once(() => {
  const e = env();
  const cfg = config();
  const stores = otherStores(e.entityTables);
  const ddb = documentClient();
  const horizonMs = addDuration(new Date(0), e.scheduleHorizon).getTime();
  const scheduler = new SchedulerService({
    ddb,
    tables: { intents: e.intentsTable, outbox: cfg.outboxTable },
    environment: cfg.environment,
    schedules: new EventBridgeSchedules({
      group: e.scheduleGroup,
      targetArn: e.scheduleTargetArn,
      roleArn: e.scheduleRoleArn,
      dlqArn: e.scheduleDlqArn,
    }),
    storeFor: (type) => stores.get(type),
    horizonMs,
    materializeLimit: e.materializeLimit,
  });
  const search = new IntentSearch(ddb, e.intentsTable);
  const cancellations = new IntentCancellations({
    ddb,
    tables: { jobs: e.intentJobsTable, outbox: cfg.outboxTable },
    scheduler,
    search,
  });
  return {
    scheduler,
    search,
    cancellations,
    summary: () => summarize(ddb, e.intentsTable, new Date(), horizonMs),
  };
});

/** What EventBridge Scheduler (a due intent) and the materializer's rule send. */
const directSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('scheduler.fire'),
    intent_id: z.string(),
    generation: z.number().check(z.int()),
  }),
  z.object({ kind: z.literal('scheduler.materialize') }),
]);

export const handler = serviceLambda({
  http: lazy(() => httpHandler(declaration.routes, schedulerRoutes(rooms))),
  events: lazy(() =>
    consumerHandler(
      {
        '*': (e) => {
          const { scheduler, cancellations } = rooms();
          return cancellations.handles(e) ? cancellations.onEvent(e) : scheduler.onEvent(e);
        },
      },
      { idempotencyTable: env().idempotencyTable },
    ),
  ),
  direct: lazy(() =>
    directHandler(async (event: Record<string, unknown>) => {
      const input = directSchema.parse(event);
      if (input.kind === 'scheduler.materialize') {
        const counts = await rooms().scheduler.materialize();
        metrics.addMetric('Intent_materialized', 'Count', counts.created);
        return counts;
      }
      const outcome = await rooms().scheduler.fire(input.intent_id, input.generation);
      metrics.addMetric(`Intent_${outcome}`, 'Count', 1);
      return { outcome };
    }),
  ),
});
