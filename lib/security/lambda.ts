/**
 * The security service's Lambda: the policy matrix API, the audit trail API, and the Nexus
 * consumer that keeps every event in the audit table.
 */
import { documentClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { type ServiceDeps, serviceHandler } from '../lambda-kit/entity-service.ts';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { lazy, once } from '../lambda-kit/lazy.ts';
import { json } from '../lambda-kit/response.ts';
import { metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { AuditLog } from './audit.ts';
import type { AuditQuery } from './contract-routes.ts';
import { policyRoutes } from './policy-routes.ts';

const audit = once(() => new AuditLog(config().entityTable, documentClient()));

/** The routes the security Lambda adds to its collection's: the policy matrix and the audit trail. */
export function securityRoutes({ policies, environment }: ServiceDeps, log: () => AuditLog = audit): Routes {
  return {
    ...policyRoutes(policies, environment),
    'GET /api/security/audits': {
      handler: async (req) => json(200, await log().query(inputOf<unknown, AuditQuery>(req).query)),
    },
    'GET /api/security/audits/{id}': {
      handler: async (req) => json(200, await log().get(inputOf<{ id: string }>(req).params.id)),
    },
  };
}

export const handler = serviceLambda({
  http: lazy(() => serviceHandler(getService('security'), securityRoutes)),
  // Conditional puts make recording idempotent on the envelope id by themselves.
  events: lazy(() =>
    consumerHandler({
      '*': async (e) => {
        if (await audit().record(e)) metrics.addMetric('AuditRecorded', 'Count', 1);
      },
    }),
  ),
});
