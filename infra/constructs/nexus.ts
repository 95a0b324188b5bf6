import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { publisherEnv } from '../../lib/config/functions.ts';
import { stateful } from '../data-stack.ts';
import { deadLetterQueue, pitrTable } from './helpers.ts';
import { ServiceFunction } from './service-function.ts';

export interface NexusProps {
  prefix: string;
  environment: string;
  removalPolicy: RemovalPolicy;
  retention: logs.RetentionDays;
}

/**
 * Nexus: the platform's event bus, and the transactional outbox that feeds it.
 * Writers put the event envelope in the outbox table in the same transaction as their
 * data; the outbox stream drives the publisher, which puts it on the bus. The bus, the outbox
 * and the publisher's dead-letter queue are in the data stack; the publisher is not.
 */
export class Nexus extends Construct {
  readonly bus: events.EventBus;
  readonly outbox: dynamodb.Table;
  readonly publisherDlq: sqs.Queue;
  readonly publisher: ServiceFunction;

  constructor(scope: Construct, id: string, props: NexusProps) {
    super(scope, id);
    this.bus = new events.EventBus(stateful(this), 'Bus', { eventBusName: `${props.prefix}-nexus` });
    this.outbox = pitrTable(this, 'Outbox', {
      tableName: `${props.prefix}-_nexus_outbox`,
      partitionKey: 'id',
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: 'expires_at',
      removalPolicy: props.removalPolicy,
    });
    this.publisherDlq = deadLetterQueue(this, 'PublisherDlq');
    this.publisher = new ServiceFunction(this, 'Publisher', {
      folder: 'nexus-publisher',
      serviceName: 'nexus',
      retention: props.retention,
      environment: publisherEnv.render({
        environment: props.environment,
        eventBusName: this.bus.eventBusName,
        outboxTable: this.outbox.tableName,
      }),
    });
    this.publisher.fn.addEventSource(
      new DynamoEventSource(this.outbox, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.millis(0),
        bisectBatchOnError: true,
        retryAttempts: 20,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.publisherDlq),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    );
    this.bus.grantPutEventsTo(this.publisher.fn);
  }
}
