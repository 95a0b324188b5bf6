import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient, eventBridgeClient } from '../../lib/aws/clients.ts';
import { config } from '../../lib/config.ts';
import { relayOutbox } from '../../lib/events/publisher.ts';
import { directHandler } from '../../lib/lambda-kit/direct.ts';
import { serviceLambda } from '../../lib/lambda-kit/dispatch.ts';
import { httpHandler } from '../../lib/lambda-kit/http.ts';
import { lazy } from '../../lib/lambda-kit/lazy.ts';
import { eventRoutes } from '../../lib/nexus/index.ts';
import { logger, metrics } from '../../lib/observability.ts';
import { getPlatformService } from '../../lib/registry/index.ts';

/** Nexus: the outbox relay (stream → EventBridge, lib/events/publisher.ts) and POST /api/events. */
const relay = directHandler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { published, batchItemFailures } = await relayOutbox(
    event.Records,
    eventBridgeClient(),
    config().eventBusName,
  );
  metrics.addMetric('EventsPublished', 'Count', published);
  if (batchItemFailures.length) {
    metrics.addMetric('EventsPublishFailed', 'Count', batchItemFailures.length);
    logger.warn('some events were not published; the stream will retry them', {
      failed: batchItemFailures.length,
    });
  }
  return { batchItemFailures };
});

export const handler = serviceLambda({
  http: lazy(() =>
    httpHandler(
      getPlatformService('nexus').routes,
      eventRoutes(documentClient(), config().outboxTable, config().environment, config().eventBusName),
    ),
  ),
  direct: (event, context) => relay(event as unknown as DynamoDBStreamEvent, context),
});
