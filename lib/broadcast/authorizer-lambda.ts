/**
 * functions/broadcast-authorizer: the AppSync Event API's Lambda authorizer (./authorizer.ts).
 */
import { verifyBearer } from '../auth/verify.ts';
import { documentClient } from '../aws/clients.ts';
import { eventsAuthorizerEnv } from '../config/functions-live.ts';
import { directHandler } from '../lambda-kit/direct.ts';
import { lazy } from '../lambda-kit/lazy.ts';
import { logger } from '../observability.ts';
import { PolicyStore } from '../policy/store.ts';
import { eventsAuthorizer } from './authorizer.ts';
import { DynamoCampaignReader } from './campaigns.ts';

export const handler = lazy(() => {
  const env = eventsAuthorizerEnv.current();
  const ddb = documentClient();
  const campaigns = new DynamoCampaignReader(ddb, env.campaignTable);
  const policies = new PolicyStore(env.policiesTable, ddb, env.policyCacheTtlMs);
  return directHandler(
    eventsAuthorizer({
      environment: env.environment,
      loadCampaign: (id) => campaigns.get(id, false),
      resolvePolicy: (key) => policies.resolve(key),
      verify: verifyBearer,
      log: (level, message, extra) => logger[level](message, extra ?? {}),
    }),
  );
});
