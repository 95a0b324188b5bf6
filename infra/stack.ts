import {
  CfnOutput,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { SEED_POLICIES } from '../lib/policy/matrix.ts';
import { registry, serviceRoutes } from '../lib/registry/index.ts';
import { EntityTable } from './constructs/entity-table.ts';
import { Nexus } from './constructs/nexus.ts';
import { ServiceFunction } from './constructs/service-function.ts';

export interface TemporaStackProps extends StackProps {
  /** Stack environment (`dev`, `prod`, …): the policy matrix's environment dimension. */
  environment: string;
}

const EPHEMERAL_ENVS = new Set(['dev', 'test', 'local', 'ci']);
const pascal = (s: string) => s.replace(/(^|[-_/])([a-z])/g, (_m, _p, c: string) => c.toUpperCase());

/**
 * Tempora-<env>: everything is derived from the service registry in lib/registry.
 * Per service: one Lambda, one entity table, its HTTP routes, and only its own grants.
 */
export class TemporaStack extends Stack {
  constructor(scope: Construct, id: string, props: TemporaStackProps) {
    super(scope, id, props);
    const env = props.environment;
    const prefix = `tempora-${env}`;
    const removalPolicy = EPHEMERAL_ENVS.has(env) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const retention = EPHEMERAL_ENVS.has(env) ? logs.RetentionDays.ONE_WEEK : logs.RetentionDays.SIX_MONTHS;

    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'HS256 signing key of Tempora bearer tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });

    const master = new dynamodb.Table(this, 'MetadataMaster', {
      tableName: `${prefix}-_metadata_master`,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    const nexus = new Nexus(this, 'Nexus', { prefix, environment: env, removalPolicy, retention });

    // Tag and feature index rows of every entity (written in the entity's transaction).
    const metadataIndex = new dynamodb.Table(this, 'MetadataIndex', {
      tableName: `${prefix}-_metadata_index`,
      partitionKey: { name: 'ix', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // The policy matrix (partition environment, sort role#category), seeded on deploy.
    const policies = new dynamodb.Table(this, 'Policies', {
      tableName: `${prefix}-_policies`,
      partitionKey: { name: 'environment', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'key', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    const policyCacheTtlMs = String(this.node.tryGetContext('policyCacheTtlMs') ?? 5000);
    const seed = new ServiceFunction(this, 'PolicySeed', {
      folder: 'policy-seed',
      serviceName: 'security',
      retention,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: { TEMPORA_ENV: env, POLICIES_TABLE: policies.tableName },
    });
    grantTable(seed.fn, policies, ['dynamodb:PutItem']);
    new CustomResource(this, 'PolicySeedRows', {
      serviceToken: seed.fn.functionArn,
      resourceType: 'Custom::TemporaPolicySeed',
      properties: { seeds: JSON.stringify(SEED_POLICIES) },
    });

    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', { retention, removalPolicy });
    const api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${prefix}-api`,
      description: 'Tempora HTTPS API',
      createDefaultStage: true,
    });
    const stage = api.defaultStage?.node.defaultChild as apigwv2.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.integrationLatency',
        ip: '$context.identity.sourceIp',
      }),
    };

    const healthTables: Record<string, { logical: string; physical: string; table: dynamodb.ITable }> = {
      _metadata_master: { logical: '_metadata_master', physical: master.tableName, table: master },
      _nexus_outbox: { logical: '_nexus_outbox', physical: nexus.outbox.tableName, table: nexus.outbox },
      _metadata_index: {
        logical: '_metadata_index',
        physical: metadataIndex.tableName,
        table: metadataIndex,
      },
      _policies: { logical: '_policies', physical: policies.tableName, table: policies },
    };

    for (const service of registry) {
      const entity = new EntityTable(this, `${pascal(service.name)}Table`, {
        tableName: `${prefix}-${service.table}`,
        removalPolicy,
      });
      const { fn } = new ServiceFunction(this, `${pascal(service.name)}Service`, {
        folder: service.name,
        serviceName: service.name,
        retention,
        environment: {
          TEMPORA_ENV: env,
          ENTITY_TABLE: entity.table.tableName,
          MASTER_TABLE: master.tableName,
          OUTBOX_TABLE: nexus.outbox.tableName,
          INDEX_TABLE: metadataIndex.tableName,
          POLICIES_TABLE: policies.tableName,
          POLICY_CACHE_TTL_MS: policyCacheTtlMs,
          JWT_SECRET_ID: jwtSecret.secretArn,
        },
      });
      // Least privilege: exactly what the entity store and health check call.
      grantTable(fn, entity.table, [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
      ]);
      grantTable(fn, entity.table, ['dynamodb:BatchGetItem']);
      grantTable(fn, entity.table, ['dynamodb:Query'], EntityTable.INDEXES);
      grantTable(fn, master, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
      grantTable(fn, nexus.outbox, ['dynamodb:PutItem']);
      // Index rows: only under the service's own entity type (partition `<entity>#…`).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
          resources: [metadataIndex.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${service.entity}#*`] } },
        }),
      );
      grantTable(
        fn,
        policies,
        service.needs?.includes('policies:write')
          ? ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem']
          : ['dynamodb:Query'],
      );
      jwtSecret.grantRead(fn);

      const integration = new HttpLambdaIntegration(`${pascal(service.name)}Integration`, fn);
      for (const r of serviceRoutes(service)) {
        api.addRoutes({
          path: r.path,
          methods: [apigwv2.HttpMethod[r.method]],
          integration,
        });
      }
      new CfnOutput(this, `Table${pascal(service.name)}`, { value: entity.table.tableName });
      healthTables[service.name] = {
        logical: service.table,
        physical: entity.table.tableName,
        table: entity.table,
      };
    }

    // GET /api/health: one small function that checks every table (DescribeTable only).
    const health = new ServiceFunction(this, 'PlatformHealth', {
      folder: 'health',
      serviceName: 'health',
      retention,
      memorySize: 256,
      environment: {
        TEMPORA_ENV: env,
        HEALTH_TABLES: JSON.stringify(
          Object.fromEntries(
            Object.entries(healthTables).map(([k, v]) => [k, { logical: v.logical, physical: v.physical }]),
          ),
        ),
      },
    });
    for (const t of Object.values(healthTables)) grantTable(health.fn, t.table, ['dynamodb:DescribeTable']);
    api.addRoutes({
      path: '/api/health',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('PlatformHealthIntegration', health.fn),
    });

    new CfnOutput(this, 'HttpApiId', { value: api.apiId });
    new CfnOutput(this, 'HttpApiEndpoint', { value: api.apiEndpoint });
    new CfnOutput(this, 'JwtSecretArn', { value: jwtSecret.secretArn });
    new CfnOutput(this, 'EventBusName', { value: nexus.bus.eventBusName });
    new CfnOutput(this, 'TableMetadataMaster', { value: master.tableName });
    new CfnOutput(this, 'TableNexusOutbox', { value: nexus.outbox.tableName });
    new CfnOutput(this, 'TableMetadataIndex', { value: metadataIndex.tableName });
    new CfnOutput(this, 'TablePolicies', { value: policies.tableName });
    new CfnOutput(this, 'PublisherDlqUrl', { value: nexus.publisherDlq.queueUrl });

    suppressAcceptedFindings(this);
  }
}

/** Allow exactly `actions` on a table (or on named indexes of it): no `index/*` wildcards. */
function grantTable(
  fn: lambda.IFunction,
  table: dynamodb.ITable,
  actions: string[],
  indexes?: string[],
): void {
  const resources = indexes ? indexes.map((i) => `${table.tableArn}/index/${i}`) : [table.tableArn];
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
}

/** cdk-nag findings accepted on purpose, each with its reason. */
const ACCEPTED_FINDINGS: ReadonlyArray<{ id: string; reason: string }> = [
  {
    id: 'AwsSolutions-APIG4',
    reason:
      'Routes are authorised inside each Lambda (bearer JWT verified by lib/auth) so that the same check, and the contract error shape, hold on AWS and on the emulator.',
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'AWSLambdaBasicExecutionRole only grants writing the function’s own CloudWatch logs.',
  },
  {
    id: 'AwsSolutions-SMG4',
    reason:
      'The JWT signing key is rotated by redeploying with a new secret; automatic rotation would invalidate live tokens.',
  },
  { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the outbox publisher.' },
  { id: 'AwsSolutions-L1', reason: 'nodejs22.x is the runtime this project targets and tests against.' },
];

function suppressAcceptedFindings(stack: Stack): void {
  for (const f of ACCEPTED_FINDINGS) Validations.of(stack).acknowledge(f);
}
