import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { respond } from '../../lib/aws/cfn-response.ts';
import { documentClient } from '../../lib/aws/clients.ts';
import { config } from '../../lib/config.ts';
import { logger } from '../../lib/observability.ts';
import { seedPolicies } from '../../lib/policy/seed.ts';
import { PolicyStore } from '../../lib/policy/store.ts';

/** Custom resource: writes the contract's seed rows of the policy matrix on deploy, never overwriting. */
export const handler = async (event: CloudFormationCustomResourceEvent): Promise<void> => {
  const physicalId = 'tempora-policy-seed';
  try {
    const written =
      event.RequestType === 'Delete'
        ? 0
        : await seedPolicies(new PolicyStore(config().policiesTable, documentClient()));
    logger.info('policy seed', { requestType: event.RequestType, written });
    await respond(event, { ok: true, physicalId, data: { written: String(written) } });
  } catch (e) {
    logger.error('policy seed failed', { error: e as Error });
    await respond(event, { ok: false, physicalId, reason: (e as Error).message });
  }
};
