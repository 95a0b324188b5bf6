import { serviceHandler } from '../../lib/http/service-handler.ts';
import { policyRoutes } from '../../lib/policy/routes.ts';
import { getService } from '../../lib/registry/index.ts';

export const handler = serviceHandler(getService('security'), ({ policies, environment }) =>
  policyRoutes(policies, environment),
);
