/**
 * The security service's Lambda: the policy matrix API, the audit trail API, and the Nexus
 * consumer that keeps every event in the audit table.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { documentClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { forbidden } from '../errors.ts';
import { eventConsumer } from '../events/consumer.ts';
import type { HttpRequest } from '../http/middleware.ts';
import { json } from '../http/response.ts';
import { serviceHandler } from '../http/service-handler.ts';
import { serviceLambda } from '../lambda.ts';
import { logger, metrics } from '../observability.ts';
import { getService } from '../registry/index.ts';
import { AuditLog } from './audit.ts';
import { policyRoutes } from './policy-routes.ts';

const audit = new AuditLog(config().entityTable, documentClient());

const auditors = (req: HttpRequest) => {
  if (req.principal?.role !== 'admin' && req.principal?.role !== 'service') {
    throw forbidden('Only admin and service callers may read the audit trail', {
      rule: 'security.audits.read',
      allowed_roles: ['admin', 'service'],
    });
  }
};

export const handler = serviceLambda({
  http: serviceHandler(getService('security'), ({ policies, environment }) => ({
    ...policyRoutes(policies, environment),
    'GET /api/security/audits': {
      handler: async (req) => {
        auditors(req);
        return json(200, await audit.query(req.query));
      },
    },
    'GET /api/security/audits/{id}': {
      handler: async (req) => {
        auditors(req);
        return json(200, await audit.get(req.params.id ?? ''));
      },
    },
  })),
  // Conditional puts make recording idempotent on the envelope id by themselves.
  events: middy(
    eventConsumer({
      '*': async (e) => {
        if (await audit.record(e)) metrics.addMetric('AuditRecorded', 'Count', 1);
      },
    }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics)),
});
