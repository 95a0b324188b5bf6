/**
 * The infra building blocks every room repeats, written once: a table (on-demand, point-in-time
 * recovery), a dead-letter queue, the Nexus rule of a consumer, and least-privilege grants.
 * Construct ids are the caller's, so logical ids (and deployed resources) stay as they are.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface TableProps {
  tableName: string;
  partitionKey: string;
  sortKey?: string;
  timeToLiveAttribute?: string;
  stream?: dynamodb.StreamViewType;
  removalPolicy: RemovalPolicy;
}

/** A table with string keys, on-demand billing and point-in-time recovery. */
export function pitrTable(scope: Construct, id: string, props: TableProps): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
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

/** A dead-letter queue: 14 days' retention, TLS only, SQS-managed encryption. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
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
 */
export function consumerRule(
  scope: Construct,
  id: string,
  props: ConsumerRuleProps,
): events.Rule | undefined {
  if (props.consumes.length === 0) return undefined;
  const all = props.consumes.includes('*');
  return new events.Rule(scope, id, {
    eventBus: props.bus,
    description: props.description,
    eventPattern: {
      source: events.Match.prefix('tempora.'),
      ...(all ? {} : { detailType: [...props.consumes] }),
    },
    targets: [
      new targets.LambdaFunction(props.fn, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: props.dlq,
      }),
    ],
  });
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
