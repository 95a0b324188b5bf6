/**
 * `/api/scheduler/intents`: schedule (202), list an entity's intents, cancel one. Roles and input
 * are the registry's declaration (lib/registry/platform.ts), enforced by the kit.
 */

import { inputOf, type Routes } from '../edge/http-types.ts';
import { json } from '../edge/response.ts';
import type { SchedulerService } from './service.ts';

export function schedulerRoutes(scheduler: SchedulerService): Routes {
  return {
    'POST /api/scheduler/intents': {
      handler: async (req) => json(202, await scheduler.schedule(req.body, req.correlationId)),
    },
    'GET /api/scheduler/intents': {
      handler: async (req) => {
        const { query } = inputOf<unknown, { entity_id: string }>(req);
        return json(200, { items: await scheduler.list(query.entity_id) });
      },
    },
    'DELETE /api/scheduler/intents/{id}': {
      handler: async (req) => {
        const { params } = inputOf<{ id: string }>(req);
        return json(
          200,
          await scheduler.cancel(params.id, `cancelled through the API by ${req.principal?.sub}`),
        );
      },
    },
    'GET /api/scheduler/health': {
      handler: async () => json(200, { service: 'scheduler', status: 'ok', checks: {} }),
    },
  };
}
