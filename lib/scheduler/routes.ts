/** `/api/scheduler/intents`: schedule (202), list an entity's intents, cancel one. */

import type { HttpRequest, Routes } from '../edge/http-types.ts';
import { json } from '../edge/response.ts';
import { forbidden, validationError } from '../errors.ts';
import type { SchedulerService } from './service.ts';

const operators = (req: HttpRequest, action: string) => {
  const p = req.principal;
  if (!p || (p.role !== 'admin' && p.role !== 'service')) {
    throw forbidden(`Only admin and service callers may ${action} intents`, {
      rule: `scheduler.intents.${action}`,
      allowed_roles: ['admin', 'service'],
    });
  }
  return p;
};

export function schedulerRoutes(scheduler: SchedulerService): Routes {
  return {
    'POST /api/scheduler/intents': {
      handler: async (req) => {
        operators(req, 'create');
        return json(202, await scheduler.schedule(req.body, req.correlationId));
      },
    },
    'GET /api/scheduler/intents': {
      handler: async (req) => {
        operators(req, 'read');
        const entityId = req.query.entity_id;
        if (!entityId || entityId.length > 128) {
          throw validationError([{ path: 'query.entity_id', message: 'is required (an entity id)' }]);
        }
        return json(200, { items: await scheduler.list(entityId) });
      },
    },
    'DELETE /api/scheduler/intents/{id}': {
      handler: async (req) => {
        const actor = operators(req, 'cancel');
        const id = req.params.id ?? '';
        return json(200, await scheduler.cancel(id, `cancelled through the API by ${actor.sub}`));
      },
    },
    'GET /api/scheduler/health': {
      public: true,
      handler: async () => json(200, { service: 'scheduler', status: 'ok', checks: {} }),
    },
  };
}
