import { CfnOutput, CustomResource, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KG_FORMAT, PUBLISH_RESOURCE_TYPE } from '../../lib/amadeus/contract.ts';
import { allServices, buildGraph } from '../../lib/amadeus/index.ts';
import { amadeusEnv } from '../../lib/config/functions.ts';
import { platform } from '../../lib/registry/index.ts';
import { stateful } from '../data-stack.ts';
import { consumerRule, deadLetterQueue, grantTable, pitrTable } from './helpers.ts';
import { ServiceFunction } from './service-function.ts';

export interface AmadeusProps {
  /** `tempora-<env>`: the table is `<prefix>-_amadeus`. */
  prefix: string;
  environment: string;
  removalPolicy: RemovalPolicy;
  retention: logs.RetentionDays;
  /** The shared HTTP API: the `/api/kg` routes of the registry's amadeus entry are added to it. */
  api: apigwv2.HttpApi;
  /** The Nexus bus: the entry's `consumes` become one rule with a dead-letter queue. */
  bus: events.IEventBus;
  /** The bearer tokens' signing key (read only). */
  jwtSecret: secretsmanager.ISecret;
  /** The trusted issuers (`TEMPORA_AUTH`, JSON of lib/config/auth.ts). */
  auth: string;
}

/**
 * Amadeus, the knowledge graph service: one table (`_amadeus`: versions, pattern members,
 * entities' edges; see lib/amadeus/store.ts), one Lambda serving the registry's `/api/kg`
 * routes and consuming every Nexus event, and the `Custom::TemporaKnowledgeGraph` resource
 * that publishes the graph on deploy. Its `hash` property is the graph hash of the registry
 * being deployed, so CloudFormation updates it (and a version is published) exactly when the
 * registry changed.
 */
export class Amadeus extends Construct {
  readonly table: dynamodb.Table;
  readonly fn: lambda.IFunction;
  readonly dlq: sqs.Queue;
  /** Hash of the graph this deployment publishes. */
  readonly graphHash: string;

  constructor(scope: Construct, id: string, props: AmadeusProps) {
    super(scope, id);
    const def = platform.find((s) => s.name === 'amadeus');
    if (!def) throw new Error('platform service amadeus is not declared in lib/registry/platform.ts');

    this.table = pitrTable(this, 'Table', {
      tableName: `${props.prefix}-_amadeus`,
      partitionKey: 'pk',
      sortKey: 'sk',
      timeToLiveAttribute: 'expires_at',
      removalPolicy: props.removalPolicy,
    });
    this.dlq = deadLetterQueue(this, 'EventsDlq');
    const fn = new ServiceFunction(this, 'Service', {
      folder: def.folder,
      serviceName: def.name,
      retention: props.retention,
      timeout: Duration.seconds(30),
      asyncDeadLetterQueue: this.dlq,
      environment: amadeusEnv.render({
        environment: props.environment,
        kgTable: this.table.tableName,
        jwtSecretId: props.jwtSecret.secretArn,
        auth: props.auth,
      }),
    }).fn;
    this.fn = fn;

    // Least privilege: exactly what lib/amadeus/store.ts calls (Query: versions and pattern
    // members; GetItem: an entity's edges; PutItem: a version, an edges item, a member;
    // DeleteItem: a member, in the edges transaction). No Scan, no UpdateItem, no index.
    grantTable(fn, this.table, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ]);
    props.jwtSecret.grantRead(fn);

    // HTTP routes, exactly as the registry declares them.
    const integration = new HttpLambdaIntegration('AmadeusIntegration', fn, {
      // One invoke permission for the function, not one per route (see infra/stack.ts addRoutes).
      scopePermissionToRoute: false,
    });
    for (const r of def.routes)
      props.api.addRoutes({ path: r.path, methods: [apigwv2.HttpMethod[r.method]], integration });

    // Nexus: every Tempora event (`*`), or the listed types.
    consumerRule(this, 'Rule', {
      bus: props.bus,
      fn,
      consumes: def.consumes,
      dlq: this.dlq,
      description: 'Events consumed by Amadeus (entities’ knowledge_graph metadata → pattern edges)',
    });

    // Publish on deploy: a new version whenever the registry's graph hash changes.
    this.graphHash = buildGraph(allServices(), { now: () => new Date(0) }).hash;
    new CustomResource(this, 'Publish', {
      serviceToken: fn.functionArn,
      resourceType: PUBLISH_RESOURCE_TYPE,
      properties: { hash: this.graphHash, format: KG_FORMAT },
    });

    new CfnOutput(stateful(Stack.of(this)), 'TableAmadeus', { value: this.table.tableName });
  }
}
