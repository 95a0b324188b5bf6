/**
 * `/api/scheduler/intents…`: schedule (202), search, summary, reschedule, cancel one, cancel
 * many (a dry run or a job) and a job's progress. Roles and input are the registry's
 * declaration (lib/scheduler/contract.ts), enforced by the kit.
 */

import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { MAX_PAGE_SIZE } from '../registry/schemas.ts';
import type { IntentCancellations } from './cancellations.ts';
import type { CancellationBody, IntentSearchQuery, RescheduleBody } from './contract-schemas.ts';
import { intentView } from './intent.ts';
import type { IntentSearch, summarize } from './search.ts';
import type { SchedulerService } from './service.ts';

export interface SchedulerRooms {
  scheduler: SchedulerService;
  search: IntentSearch;
  cancellations: IntentCancellations;
  /** Summary reads (the intents table). */
  summary: () => ReturnType<typeof summarize>;
}

export function schedulerRoutes(rooms: () => SchedulerRooms): Routes {
  return {
    'POST /api/scheduler/intents': {
      handler: async (req) =>
        json(202, intentView(await rooms().scheduler.schedule(req.body, req.correlationId))),
    },
    'GET /api/scheduler/intents': {
      handler: async (req) => {
        const { query } = inputOf<unknown, IntentSearchQuery>(req);
        const { limit = MAX_PAGE_SIZE, cursor, ...filter } = query;
        const page = await rooms().search.page(filter, limit, cursor);
        return json(200, { ...page, items: page.items.map(intentView) });
      },
    },
    'GET /api/scheduler/intents/summary': {
      handler: async () => json(200, await rooms().summary()),
    },
    'PATCH /api/scheduler/intents/{id}': {
      handler: async (req) => {
        const { params, body } = inputOf<{ id: string }, unknown, RescheduleBody>(req);
        return json(200, intentView(await rooms().scheduler.reschedule(params.id, body, req.correlationId)));
      },
    },
    'DELETE /api/scheduler/intents/{id}': {
      handler: async (req) => {
        const { params } = inputOf<{ id: string }>(req);
        const reason = `cancelled through the API by ${req.principal?.sub}`;
        return json(200, intentView(await rooms().scheduler.cancel(params.id, reason, req.correlationId)));
      },
    },
    'POST /api/scheduler/intents/cancellations': {
      handler: async (req) => {
        const { body } = inputOf<unknown, unknown, CancellationBody>(req);
        const actor = req.principal ?? { sub: 'anonymous', role: 'service' as const };
        const out = await rooms().cancellations.request(body, { actor, correlationId: req.correlationId });
        return json(out.status, out.body);
      },
    },
    'GET /api/scheduler/intents/cancellations/{id}': {
      handler: async (req) => {
        const { params } = inputOf<{ id: string }>(req);
        return json(200, await rooms().cancellations.get(params.id));
      },
    },
    'GET /api/scheduler/health': {
      handler: async () => json(200, { service: 'scheduler', status: 'ok', checks: {} }),
    },
  };
}
