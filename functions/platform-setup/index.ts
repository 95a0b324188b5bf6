import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { respond } from '../../lib/aws/cfn-response.ts';
import { documentClient, eventBridgeClient } from '../../lib/aws/clients.ts';
import { config } from '../../lib/config.ts';
import { deleteArchive, ensureArchive } from '../../lib/events/archive.ts';
import { directHandler } from '../../lib/lambda-kit/direct.ts';
import { logger } from '../../lib/observability.ts';
import { seedPolicies } from '../../lib/policy/seed.ts';
import { PolicyStore } from '../../lib/policy/store.ts';

const archiveProps = z.object({
  name: z.string(),
  busArn: z.string(),
  eventPattern: z.string(),
  retentionDays: z.coerce.number().check(z.int(), z.positive()),
  description: z.string(),
});

/**
 * Deploy-time setup, as CloudFormation custom resources:
 * - Custom::TemporaPolicySeed: the contract's seed rows of the policy matrix, never overwriting;
 * - Custom::TemporaBusArchive: the Nexus event archive.
 */
export const handler = directHandler(
  async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    let physicalId = event.RequestType === 'Create' ? event.LogicalResourceId : event.PhysicalResourceId;
    try {
      if (event.ResourceType === 'Custom::TemporaPolicySeed') {
        physicalId = 'tempora-policy-seed';
        const written =
          event.RequestType === 'Delete'
            ? 0
            : await seedPolicies(new PolicyStore(config().policiesTable, documentClient()));
        logger.info('policy seed', { requestType: event.RequestType, written });
      } else if (event.ResourceType === 'Custom::TemporaBusArchive') {
        const spec = archiveProps.parse(event.ResourceProperties);
        physicalId = spec.name;
        if (event.RequestType === 'Delete') await deleteArchive(eventBridgeClient(), spec.name);
        else await ensureArchive(eventBridgeClient(), spec);
        logger.info('bus archive', { requestType: event.RequestType, name: spec.name });
      } else {
        throw new Error(`Unknown resource type ${event.ResourceType}`);
      }
      await respond(event, { ok: true, physicalId });
    } catch (e) {
      logger.error('platform setup failed', { error: e as Error });
      await respond(event, { ok: false, physicalId, reason: (e as Error).message });
    }
  },
  // Deploy-time only: no application metrics to flush.
  { metrics: false },
);
