/**
 * The infra building blocks every room repeats, written once: a table (on-demand, point-in-time
 * recovery), a dead-letter queue, the Nexus rule of a consumer, and least-privilege grants.
 * Construct ids are the caller's, so logical ids (and deployed resources) stay as they are.
 * Tables and queues are stateful: they are built in the data stack, at the caller's path there
 * (`stateful`, infra/data-stack.ts), whichever stack the caller is in.
 */
import { Duration, Names, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { stateful } from '../data-stack.ts';

export interface TableProps {
  tableName: string;
  partitionKey: string;
  sortKey?: string;
  timeToLiveAttribute?: string;
  stream?: dynamodb.StreamViewType;
  removalPolicy: RemovalPolicy;
}

/** A table with string keys, on-demand billing and point-in-time recovery (in the data stack). */
export function pitrTable(scope: Construct, id: string, props: TableProps): dynamodb.Table {
  return new dynamodb.Table(stateful(scope), id, {
    tableName: props.tableName,
    partitionKey: { name: props.partitionKey, type: dynamodb.AttributeType.STRING },
    ...(props.sortKey ? { sortKey: { name: props.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    ...(props.stream ? { stream: props.stream } : {}),
    ...(props.timeToLiveAttribute ? { timeToLiveAttribute: props.timeToLiveAttribute } : {}),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: props.removalPolicy,
  });
}

/** A dead-letter queue: 14 days' retention, TLS only, SQS-managed encryption (in the data stack). */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(stateful(scope), id, {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
  });
}

export interface ConsumerRuleProps {
  bus: events.IEventBus;
  fn: lambda.IFunction;
  /** Event types from the registry's `consumes`; `*` alone is every Tempora event. */
  consumes: readonly string[];
  dlq: sqs.IQueue;
  description: string;
}

/**
 * The Nexus rule of a consumer: Tempora events of the listed types (or all) to its Lambda,
 * retried 8 times within 24 h, then dead-lettered. No rule when it consumes nothing.
 *
 * The queue is in the data stack and the rule in a stateless one: the queue's policy lets
 * EventBridge send from this rule, named by its ARN (the rule's name is fixed from its path), so
 * the data stack never refers to the stateless one (which would be a dependency cycle).
 */
export function consumerRule(
  scope: Construct,
  id: string,
  props: ConsumerRuleProps,
): events.Rule | undefined {
  if (props.consumes.length === 0) return undefined;
  const all = props.consumes.includes('*');
  const rule = new events.Rule(scope, id, {
    eventBus: props.bus,
    description: props.description,
    eventPattern: {
      source: events.Match.prefix('tempora.'),
      ...(all ? {} : { detailType: [...props.consumes] }),
    },
  });
  const ruleName = Names.uniqueResourceName(rule, { maxLength: 64, separator: '-' });
  (rule.node.defaultChild as events.CfnRule).name = ruleName;
  // Seen from the rule's stack, the queue is a reference: CDK adds no policy to it there.
  const dlq =
    Stack.of(props.dlq) === Stack.of(rule)
      ? props.dlq
      : sqs.Queue.fromQueueArn(rule, 'Dlq', props.dlq.queueArn);
  if (dlq !== props.dlq) {
    const queueStack = Stack.of(props.dlq);
    props.dlq.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowEventRule${Names.uniqueId(rule)}`.slice(0, 100),
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [props.dlq.queueArn],
        conditions: {
          ArnEquals: {
            'aws:SourceArn': queueStack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${props.bus.eventBusName}/${ruleName}`,
            }),
          },
        },
      }),
    );
  }
  rule.addTarget(
    new targets.LambdaFunction(props.fn, {
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
      deadLetterQueue: dlq,
    }),
  );
  return rule;
}

/** Allow exactly `actions` on a table (or on named indexes of it): no `index/*` wildcards. */
export function grantTable(
  fn: lambda.IFunction | iam.IGrantable,
  table: dynamodb.ITable,
  actions: string[],
  indexes?: readonly string[],
): void {
  const resources = indexes ? indexes.map((i) => `${table.tableArn}/index/${i}`) : [table.tableArn];
  iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: resources });
}

export interface SharedTables {
  master: dynamodb.ITable;
  outbox: dynamodb.ITable;
  index: dynamodb.ITable;
}

/**
 * What the entity store's writes need: items of the entity table(s) (conditional put/delete),
 * the master row, the outbox envelope, and index rows only under the given entity types.
 */
export function grantEntityStore(
  fn: lambda.IFunction,
  entityTables: dynamodb.ITable | dynamodb.ITable[],
  shared: SharedTables,
  entityTypes: string[],
): void {
  for (const t of Array.isArray(entityTables) ? entityTables : [entityTables]) {
    grantTable(fn, t, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ]);
  }
  grantTable(fn, shared.master, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
  grantTable(fn, shared.outbox, ['dynamodb:PutItem']);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      resources: [shared.index.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': entityTypes.map((e) => `${e}#*`) } },
    }),
  );
}
