import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridgeClient } from '../../lib/aws/clients.ts';
import { config } from '../../lib/config.ts';
import { relayOutbox } from '../../lib/events/publisher.ts';
import { logger, metrics } from '../../lib/observability.ts';

/** Nexus outbox relay: outbox stream → EventBridge (see lib/events/publisher.ts). */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
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
