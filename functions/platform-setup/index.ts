import type { CdkCustomResourceResponse, CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
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
 * Deploy-time setup, as CloudFormation custom resources behind CDK's Provider framework
 * (infra/stack.ts), which answers CloudFormation: the handler returns the resource's physical
 * id, and a throw fails the resource with its message.
 * - Custom::TemporaPolicySeed: the contract's seed rows of the policy matrix, never overwriting;
 * - Custom::TemporaBusArchive: the Nexus event archive.
 */
export const handler = directHandler(
  async (event: CloudFormationCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
    if (event.ResourceType === 'Custom::TemporaPolicySeed') {
      const written =
        event.RequestType === 'Delete'
          ? 0
          : await seedPolicies(new PolicyStore(config().policiesTable, documentClient()));
      logger.info('policy seed', { requestType: event.RequestType, written });
      return { PhysicalResourceId: 'tempora-policy-seed' };
    }
    if (event.ResourceType === 'Custom::TemporaBusArchive') {
      const spec = archiveProps.parse(event.ResourceProperties);
      if (event.RequestType === 'Delete') await deleteArchive(eventBridgeClient(), spec.name);
      else await ensureArchive(eventBridgeClient(), spec);
      logger.info('bus archive', { requestType: event.RequestType, name: spec.name });
      return { PhysicalResourceId: spec.name };
    }
    throw new Error(`Unknown resource type ${event.ResourceType}`);
  },
  // Deploy-time only: no application metrics to flush.
  { metrics: false },
);
