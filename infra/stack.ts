import { CfnOutput, CustomResource, Duration, type Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  authEnv,
  healthEnv,
  idempotencyEnv,
  platformSetupEnv,
  recordsEnv,
  schedulerEnv,
  serviceEnv,
} from '../lib/config/functions.ts';
import { SEED_POLICIES } from '../lib/policy/matrix.ts';
import { RECORDS_TABLE_DESIGN } from '../lib/records/index.ts';
import {
  CONSOLE_ROUTES,
  HEALTH_ROUTES,
  platform,
  type RouteDefinition,
  registry,
  serviceRoutes,
} from '../lib/registry/index.ts';
import type { ApiStack } from './api-stack.ts';
import { Amadeus } from './constructs/amadeus.ts';
import { Broadcast } from './constructs/broadcast.ts';
import { Console } from './constructs/console.ts';
import { Converse } from './constructs/converse.ts';
import { DomainConsumers } from './constructs/domain-consumers.ts';
import { EntityTable } from './constructs/entity-table.ts';
import { ExportsBucket } from './constructs/exports-bucket.ts';
import {
  consumerRule,
  deadLetterQueue,
  grantEntityStore,
  grantTable,
  pitrTable,
} from './constructs/helpers.ts';
import { Nexus } from './constructs/nexus.ts';
import { horizonSettings, Materializer } from './constructs/scheduler-horizon.ts';
import { addEnvironment, ServiceFunction } from './constructs/service-function.ts';
import { StatelessStack, type StatelessStackProps, stateful } from './data-stack.ts';
import type { Settings } from './settings.ts';

export interface TemporaStackProps extends StatelessStackProps {
  settings: Settings;
  /** The stack of the HTTP API: every route of the registry is added to its API. */
  api: ApiStack;
}

/** What the Powertools DynamoDB persistence layer calls on the idempotency table. */
const IDEMPOTENCY_RECORD_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
const pascal = (s: string) => s.replace(/(^|[-_/])([a-z])/g, (_m, _p, c: string) => c.toUpperCase());
const platformService = (name: string) => {
  const p = platform.find((s) => s.name === name);
  if (!p) throw new Error(`platform service ${name} is not declared in lib/registry/platform.ts`);
  return p;
};

/**
 * Tempora-<env>-services: everything is derived from the service registry in lib/registry.
 * Per service: one Lambda, one table, its HTTP routes, the Nexus rules of the events it
 * consumes, and only its own grants. Stateful resources declared here (tables, queues, the
 * secret, the bus, the schedule group…) are built in the data stack `Tempora-<env>` at the same
 * path (`stateful`, infra/data-stack.ts); routes are added to the HTTP API of `Tempora-<env>-api`.
 */
export class TemporaStack extends StatelessStack {
  constructor(scope: Construct, id: string, props: TemporaStackProps) {
    super(scope, id, props);
    const { environment: env, prefix, removalPolicy, retention, config } = props.settings;
    // Outputs that name state are the data stack's (an output of an imported value is not).
    const data = stateful(this);
    const table = (cid: string, name: string, pk: string, sk?: string, ttl?: string) =>
      pitrTable(this, cid, {
        tableName: `${prefix}-${name}`,
        partitionKey: pk,
        ...(sk ? { sortKey: sk } : {}),
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy,
      });
    const queue = (cid: string) => deadLetterQueue(this, cid);
    // Every function that verifies tokens reads the trusted issuers (TEMPORA_AUTH) beside the key.
    const auth = JSON.stringify(config.auth);

    // --- Shared platform state -------------------------------------------------------------
    const jwtSecret = new secretsmanager.Secret(stateful(this), 'JwtSecret', {
      description: 'HS256 signing key of Tempora bearer tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    const master = table('MetadataMaster', '_metadata_master', 'pk');
    // Tag and feature index rows of every entity (written in the entity's transaction).
    const metadataIndex = table('MetadataIndex', '_metadata_index', 'ix', 'sk');
    // The policy matrix (partition environment, sort role#category), seeded on deploy.
    const policies = table('Policies', '_policies', 'environment', 'key');
    // Powertools idempotency records: event consumers' (one per envelope id) and the
    // Idempotency-Key records of the HTTP routes declared `idempotent` (24 h).
    const idempotency = table('Idempotency', '_idempotency', 'id', undefined, 'expiration');
    const nexus = new Nexus(this, 'Nexus', { prefix, environment: env, removalPolicy, retention });
    const policyCacheTtlMs = String(this.node.tryGetContext('policyCacheTtlMs') ?? 5000);
    // Deploy-time setup through the APIs (custom resources): policy seed rows, bus archive. In the
    // data stack with what it sets up (the archive is deleted with its custom resource).
    const setup = new ServiceFunction(stateful(this), 'PlatformSetup', {
      folder: 'platform-setup',
      serviceName: 'nexus',
      retention,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: platformSetupEnv.render({ environment: env, policiesTable: policies.tableName }),
    });
    grantTable(setup.fn, policies, ['dynamodb:PutItem']);
    new CustomResource(stateful(this), 'PolicySeedRows', {
      serviceToken: setup.fn.functionArn,
      resourceType: 'Custom::TemporaPolicySeed',
      properties: { seeds: JSON.stringify(SEED_POLICIES) },
    });
    // Every Tempora event is archived for replay (365 days).
    const archiveName = `${prefix}-nexus`;
    setup.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'events:CreateArchive',
          'events:UpdateArchive',
          'events:DeleteArchive',
          'events:DescribeArchive',
        ],
        resources: [this.formatArn({ service: 'events', resource: 'archive', resourceName: archiveName })],
      }),
    );
    setup.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['events:CreateArchive'], resources: [nexus.bus.eventBusArn] }),
    );
    new CustomResource(stateful(this), 'NexusArchive', {
      serviceToken: setup.fn.functionArn,
      resourceType: 'Custom::TemporaBusArchive',
      properties: {
        name: archiveName,
        busArn: nexus.bus.eventBusArn,
        eventPattern: JSON.stringify({ source: [{ prefix: 'tempora.' }] }),
        retentionDays: 365,
        description: 'Every Tempora event, for replay',
      },
    });

    // --- HTTP API (in Tempora-<env>-api) ---------------------------------------------------
    const api = props.api.httpApi;
    /**
     * The gateway routes of one function, from its registry declarations: one integration and ONE
     * invoke permission for the function (scoped to this API), not one per route — CloudFormation
     * stops at 500 resources and a permission per route brought that wall closer with every service.
     */
    const addRoutes = (cid: string, fn: lambda.IFunction, routes: readonly RouteDefinition[]) => {
      if (routes.length === 0) return;
      // Routes declared `idempotent` keep their Idempotency-Key records in the idempotency table.
      if (routes.some((r) => r.idempotent)) {
        if (!('addEnvironment' in fn))
          throw new Error(`${cid} serves idempotent routes: it must be a Function`);
        addEnvironment(
          fn as lambda.IFunction & Parameters<typeof addEnvironment>[0],
          idempotencyEnv.render({ idempotencyTable: idempotency.tableName }),
        );
        grantTable(fn, idempotency, IDEMPOTENCY_RECORD_ACTIONS);
      }
      const integration = new HttpLambdaIntegration(`${cid}Integration`, fn, {
        scopePermissionToRoute: false,
      });
      for (const r of routes)
        api.addRoutes({ path: r.path, methods: [apigwv2.HttpMethod[r.method]], integration });
    };

    /** Nexus routing: a rule per consumer, from the registry's `consumes` (`*` = every event). */
    const consume = (cid: string, fn: lambda.IFunction, consumes: readonly string[], dlq: sqs.IQueue) =>
      consumerRule(this, `${cid}Rule`, {
        bus: nexus.bus,
        fn,
        consumes,
        dlq,
        description: `Events consumed by ${cid}`,
      });
    const commonEnv = {
      environment: env,
      masterTable: master.tableName,
      outboxTable: nexus.outbox.tableName,
      indexTable: metadataIndex.tableName,
      policiesTable: policies.tableName,
      policyCacheTtlMs,
      jwtSecretId: jwtSecret.secretArn,
      auth,
    };

    const healthTables: Record<string, { logical: string; table: dynamodb.ITable }> = {
      _metadata_master: { logical: '_metadata_master', table: master },
      _nexus_outbox: { logical: '_nexus_outbox', table: nexus.outbox },
      _metadata_index: { logical: '_metadata_index', table: metadataIndex },
      _policies: { logical: '_policies', table: policies },
    };
    const entityTables: Record<string, dynamodb.ITable> = {};

    // --- Domain services -------------------------------------------------------------------
    for (const service of registry) {
      const crud = service.crud !== false;
      const entity = new EntityTable(this, `${pascal(service.name)}Table`, {
        tableName: `${prefix}-${service.table}`,
        removalPolicy,
        ...(crud ? {} : { indexes: service.tableIndexes ?? [] }),
      });
      const dlq = service.consumes.length ? queue(`${pascal(service.name)}EventsDlq`) : undefined;
      const { fn } = new ServiceFunction(this, `${pascal(service.name)}Service`, {
        folder: service.name,
        serviceName: service.name,
        retention,
        environment: serviceEnv.render({ ...commonEnv, entityTable: entity.table.tableName }),
        ...(dlq ? { asyncDeadLetterQueue: dlq } : {}),
      });
      // Least privilege: exactly what the service's code calls.
      if (crud) {
        grantEntityStore(fn, entity.table, { master, outbox: nexus.outbox, index: metadataIndex }, [
          service.entity,
        ]);
        grantTable(fn, entity.table, ['dynamodb:BatchGetItem', 'dynamodb:DescribeTable']);
        grantTable(fn, entity.table, ['dynamodb:Query'], entity.indexNames);
        entityTables[service.name] = entity.table;
      } else {
        grantTable(fn, entity.table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable']);
        grantTable(fn, entity.table, ['dynamodb:Query'], entity.indexNames);
      }
      grantTable(
        fn,
        policies,
        service.needs?.includes('policies:write')
          ? ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem']
          : ['dynamodb:Query'],
      );
      jwtSecret.grantRead(fn);
      addRoutes(pascal(service.name), fn, serviceRoutes(service));
      if (dlq) consume(pascal(service.name), fn, service.consumes, dlq);
      new CfnOutput(data, `Table${pascal(service.name)}`, { value: entity.table.tableName });
      healthTables[service.name] = { logical: service.table, table: entity.table };
    }

    // --- Nexus: POST /api/events on the publisher ------------------------------------------
    const nexusDef = platformService('nexus');
    addEnvironment(nexus.publisher.fn, authEnv.render({ jwtSecretId: jwtSecret.secretArn, auth }));
    grantTable(nexus.publisher.fn, nexus.outbox, ['dynamodb:PutItem']);
    jwtSecret.grantRead(nexus.publisher.fn);
    addRoutes('Nexus', nexus.publisher.fn, nexusDef.routes);

    // --- Scheduler -------------------------------------------------------------------------
    const schedulerDef = platformService('scheduler');
    const intents = new EntityTable(this, 'SchedulerIntents', {
      tableName: `${prefix}-_scheduler_intents`,
      removalPolicy,
      // Every search is a Query on one of these (lib/scheduler/intent.ts); by_deferred is sparse.
      indexes: [
        { name: 'by_entity', partitionKey: 'entity_id', sortKey: 'run_at' },
        { name: 'by_status', partitionKey: 'status', sortKey: 'run_at' },
        { name: 'by_pattern', partitionKey: 'pattern', sortKey: 'run_at' },
        { name: 'by_deferred', partitionKey: 'deferred_key', sortKey: 'run_at' },
      ],
    });
    // Bulk cancellation jobs (lib/scheduler/cancellations.ts), kept 30 days.
    const intentJobs = table('SchedulerJobs', '_scheduler_jobs', 'id', undefined, 'expires_at');
    // The horizon is the environment's config (infra/config.ts, schedulingHorizonMinutes), or
    // the CDK context `schedulerHorizon` (an ISO 8601 duration) when given.
    const horizon = horizonSettings(
      {
        horizon: this.node.tryGetContext('schedulerHorizon') ?? `PT${config.schedulingHorizonMinutes}M`,
        materializerMinutes: this.node.tryGetContext('materializerMinutes'),
      },
      props.settings.ephemeral,
    );
    // The group holds every intent's schedule, and each schedule names the invoke role and the
    // target's dead-letter queue: all three are state (data stack), like the intents table.
    const scheduleGroup = new scheduler.CfnScheduleGroup(stateful(this), 'ScheduleGroup', { name: prefix });
    const scheduleDlq = queue('ScheduleTargetDlq');
    const schedulerDlq = queue('SchedulerEventsDlq');
    const schedulerFnName = `${prefix}-scheduler`;
    const schedulerFnArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: schedulerFnName,
      arnFormat: 'arn:aws:service:region:account:resource:resourceName' as never,
    });
    const invokeRole = new iam.Role(stateful(this), 'ScheduleInvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler invokes the scheduler Lambda for due intents',
    });
    invokeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [schedulerFnArn] }),
    );
    invokeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [scheduleDlq.queueArn] }),
    );
    const schedulerFn = new ServiceFunction(this, 'SchedulerService', {
      folder: schedulerDef.folder,
      serviceName: 'scheduler',
      functionName: schedulerFnName,
      retention,
      timeout: Duration.seconds(60),
      asyncDeadLetterQueue: schedulerDlq,
      environment: schedulerEnv.render({
        ...commonEnv,
        intentsTable: intents.table.tableName,
        idempotencyTable: idempotency.tableName,
        scheduleGroup: prefix,
        scheduleTargetArn: schedulerFnArn,
        scheduleRoleArn: invokeRole.roleArn,
        scheduleDlqArn: scheduleDlq.queueArn,
        intentJobsTable: intentJobs.tableName,
        scheduleHorizon: horizon.horizon,
        entityTables: JSON.stringify(
          Object.fromEntries(Object.entries(entityTables).map(([k, t]) => [k, t.tableName])),
        ),
      }),
    }).fn;
    schedulerFn.node.addDependency(scheduleGroup);
    schedulerFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [
          this.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${prefix}/*` }),
        ],
      }),
    );
    const tok = (v: string, name: string) => (Token.isUnresolved(v) ? `<AWS::${name}>` : v);
    Validations.of(schedulerFn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${tok(this.region, 'Region')}:${tok(this.account, 'AccountId')}:schedule/${prefix}/*]`,
      reason:
        'One schedule per intent, named at run time: the grant is limited to the environment’s schedule group.',
    });
    invokeRole.grantPassRole(schedulerFn.grantPrincipal);
    grantTable(schedulerFn, intents.table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    grantTable(schedulerFn, intents.table, ['dynamodb:Query'], intents.indexNames);
    grantTable(schedulerFn, intentJobs, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    new Materializer(this, 'SchedulerMaterializer', { fn: schedulerFn, settings: horizon });
    // Its consumer's envelope records (its POST /api/scheduler/intents adds the same grant).
    grantTable(schedulerFn, idempotency, IDEMPOTENCY_RECORD_ACTIONS);
    grantEntityStore(
      schedulerFn,
      Object.values(entityTables),
      { master, outbox: nexus.outbox, index: metadataIndex },
      registry.filter((s) => s.crud !== false).map((s) => s.entity),
    );
    grantTable(schedulerFn, intents.table, ['dynamodb:DescribeTable']);
    grantTable(schedulerFn, policies, ['dynamodb:Query']);
    jwtSecret.grantRead(schedulerFn);
    addRoutes('Scheduler', schedulerFn, schedulerDef.routes);
    consume('Scheduler', schedulerFn, schedulerDef.consumes, schedulerDlq);
    healthTables._scheduler_intents = { logical: '_scheduler_intents', table: intents.table };
    healthTables._scheduler_jobs = { logical: '_scheduler_jobs', table: intentJobs };

    // --- Records (the /api/metadata service) -----------------------------------------------------------
    const recordsDef = platformService('records');
    const records = pitrTable(this, 'MetadataRecords', {
      tableName: `${prefix}-_metadata_records`,
      partitionKey: RECORDS_TABLE_DESIGN.partitionKey.name,
      sortKey: RECORDS_TABLE_DESIGN.sortKey.name,
      removalPolicy,
    });
    for (const gsi of RECORDS_TABLE_DESIGN.globalSecondaryIndexes) {
      records.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey.name, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey.name, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    // Migrations: a status row and a backup row per record (lib/records/migration-store.ts).
    const migrations = table('MetadataMigrations', '_metadata_migrations', 'id', 'item');
    // Stateful ids keep the names they were deployed under (a new logical id replaces the resource):
    // the tables and this queue stay `Metadata…` (docs/contract.md "Names").
    const recordsDlq = queue('MetadataEventsDlq');
    const recordsFn = new ServiceFunction(this, 'RecordsService', {
      folder: recordsDef.folder,
      serviceName: 'records',
      retention,
      // HTTP requests stop at the gateway's 30 s; a migration run (an event) may take minutes.
      timeout: Duration.minutes(5),
      asyncDeadLetterQueue: recordsDlq,
      environment: recordsEnv.render({
        environment: env,
        recordsTable: records.tableName,
        migrationsTable: migrations.tableName,
        outboxTable: nexus.outbox.tableName,
        jwtSecretId: jwtSecret.secretArn,
        auth,
      }),
    }).fn;
    grantTable(recordsFn, migrations, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
    ]);
    grantTable(recordsFn, nexus.outbox, ['dynamodb:PutItem']);
    consume('Records', recordsFn, recordsDef.consumes, recordsDlq);
    healthTables._metadata_migrations = { logical: '_metadata_migrations', table: migrations };
    new CfnOutput(data, 'TableMetadataMigrations', { value: migrations.tableName });
    grantTable(recordsFn, records, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
    ]);
    grantTable(
      recordsFn,
      records,
      ['dynamodb:Query'],
      RECORDS_TABLE_DESIGN.globalSecondaryIndexes.map((g) => g.indexName),
    );
    jwtSecret.grantRead(recordsFn);
    addRoutes('Metadata', recordsFn, recordsDef.routes);
    healthTables._metadata_records = { logical: '_metadata_records', table: records };

    // --- Amadeus: the knowledge graph, /api/kg/* (a new version published on each deploy) ---
    const amadeus = new Amadeus(this, 'Amadeus', {
      prefix,
      environment: env,
      removalPolicy,
      retention,
      api,
      bus: nexus.bus,
      jwtSecret,
      auth,
    });
    healthTables._amadeus = { logical: '_amadeus', table: amadeus.table };

    // --- Domain consumers: search index, analytics counters, write-backs (registry `needs`) ---
    const domainConsumers = new DomainConsumers(this, 'DomainConsumers', {
      prefix,
      removalPolicy,
      services: registry,
      functionOf: (s) => (this.node.findChild(`${pascal(s.name)}Service`) as ServiceFunction).fn,
      // Queues are state: in the data stack, at the path they were declared with.
      dlqOf: (s) => data.node.tryFindChild(`${pascal(s.name)}EventsDlq`) as sqs.IQueue | undefined,
      entityTables,
      shared: { master, outbox: nexus.outbox, index: metadataIndex },
      records,
      translationProvider: this.node.tryGetContext('translationProvider'),
    });
    healthTables._search_index = { logical: '_search_index', table: domainConsumers.searchIndex };
    healthTables._analytics_counters = {
      logical: '_analytics_counters',
      table: domainConsumers.analyticsCounters,
    };

    // --- Broadcast: WebSocket API, ticker state machine, leaderboards (docs/broadcast.md) ---
    const broadcastDef = platformService('broadcast');
    const campaignTable = entityTables.campaign;
    if (!campaignTable) throw new Error('broadcast needs the campaign entity table');
    const broadcast = new Broadcast(this, 'Broadcast', {
      prefix,
      environment: env,
      retention,
      removalPolicy,
      outbox: nexus.outbox,
      campaigns: campaignTable,
      policies,
      jwtSecret,
      auth,
      eventApi: this.node.tryGetContext('eventApi') === 'external' ? 'external' : 'declared',
      // The share of the account's API Gateway quota every broadcaster together may post (docs/broadcast.md).
      accountPostQuota: config.apiGatewayRequestsPerSecond,
      accountPostShare: config.broadcastBudgetShare,
      addRoutes: (fn) => addRoutes('Broadcast', fn, broadcastDef.routes),
      consume: (fn, dlq) => consume('Broadcast', fn, broadcastDef.consumes, dlq),
    });
    healthTables._broadcast_connections = {
      logical: 'service_broadcast_connection',
      table: broadcast.connections,
    };
    healthTables._broadcast_state = { logical: 'service_broadcast_state', table: broadcast.state };
    new CfnOutput(this, 'WebSocketApiId', { value: broadcast.webSocketApi.apiId });
    new CfnOutput(this, 'WebSocketStage', { value: broadcast.stage.stageName });
    new CfnOutput(this, 'BroadcastStateMachineArn', { value: broadcast.stateMachine.stateMachineArn });
    new CfnOutput(data, 'TableBroadcastConnections', { value: broadcast.connections.tableName });
    new CfnOutput(data, 'TableBroadcastState', { value: broadcast.state.tableName });
    new CfnOutput(this, 'BroadcastFunctionName', { value: broadcast.fn.functionName });
    new CfnOutput(this, 'BroadcastTickerFunctionName', { value: broadcast.ticker.functionName });
    new CfnOutput(this, 'EventsAuthorizerArn', { value: broadcast.authorizer.functionArn });
    if (broadcast.events) {
      new CfnOutput(this, 'EventsApiId', { value: broadcast.events.api.apiId });
      new CfnOutput(this, 'EventsHttpDns', { value: broadcast.events.api.httpDns });
      new CfnOutput(this, 'EventsRealtimeDns', { value: broadcast.events.api.realtimeDns });
    }

    // --- The operator console: GET /console on this API (docs/console.md) ------------------
    new Console(this, 'Console', {
      environment: env,
      retention,
      webSocket: {
        apiId: broadcast.webSocketApi.apiId,
        stageName: broadcast.stage.stageName,
        url: broadcast.stage.url,
      },
      addRoutes: (fn) => addRoutes('Console', fn, CONSOLE_ROUTES),
    });

    // --- Ask Tempora: POST /api/converse (docs/converse.md) --------------------------------
    const converse = new Converse(this, 'Converse', {
      prefix,
      environment: env,
      removalPolicy,
      retention,
      jwtSecret,
      auth,
      addRoutes: (fn) => addRoutes('Converse', fn, platformService('converse').routes),
    });
    healthTables._converse_confirmations = { logical: '_converse_confirmations', table: converse.table };

    // --- GET /api/health: one small function that checks every table (DescribeTable only) ---
    const health = new ServiceFunction(this, 'PlatformHealth', {
      folder: 'health',
      serviceName: 'health',
      retention,
      memorySize: 256,
      environment: healthEnv.render({
        environment: env,
        healthTables: JSON.stringify(
          Object.fromEntries(
            Object.entries(healthTables).map(([k, v]) => [
              k,
              { logical: v.logical, physical: v.table.tableName },
            ]),
          ),
        ),
      }),
    });
    for (const t of Object.values(healthTables)) grantTable(health.fn, t.table, ['dynamodb:DescribeTable']);
    addRoutes('PlatformHealth', health.fn, HEALTH_ROUTES);

    // --- Exports and backups of records (tempora records export --to s3://…) -----------------
    const exportsBucket = new ExportsBucket(stateful(this), 'Exports', {
      prefix,
      retentionDays: Number(this.node.tryGetContext('exportsRetentionDays') ?? 30),
      removalPolicy,
    });
    new CfnOutput(data, 'ExportsBucketName', { value: exportsBucket.bucket.bucketName });

    // --- Outputs (of the state: in the data stack) ------------------------------------------
    new CfnOutput(data, 'JwtSecretArn', { value: jwtSecret.secretArn });
    new CfnOutput(data, 'EventBusName', { value: nexus.bus.eventBusName });
    new CfnOutput(data, 'TableMetadataMaster', { value: master.tableName });
    new CfnOutput(data, 'TableNexusOutbox', { value: nexus.outbox.tableName });
    new CfnOutput(data, 'TableMetadataIndex', { value: metadataIndex.tableName });
    new CfnOutput(data, 'TablePolicies', { value: policies.tableName });
    new CfnOutput(data, 'TableSchedulerIntents', { value: intents.table.tableName });
    new CfnOutput(data, 'TableSchedulerJobs', { value: intentJobs.tableName });
    new CfnOutput(this, 'SchedulerHorizon', { value: horizon.horizon });
    new CfnOutput(data, 'TableMetadataRecords', { value: records.tableName });
    new CfnOutput(data, 'PublisherDlqUrl', { value: nexus.publisherDlq.queueUrl });
    new CfnOutput(this, 'SchedulerFunctionName', { value: schedulerFnName });
    new CfnOutput(data, 'ScheduleGroupName', { value: prefix });
  }
}

/** cdk-nag findings accepted on purpose, each with its reason. */
const ACCEPTED_FINDINGS: ReadonlyArray<{ id: string; reason: string }> = [
  {
    id: 'AwsSolutions-APIG4',
    reason:
      'Public routes (health, OpenAPI, console page) take no token; protected routes get the JWT authorizer where the trusted issuers allow one (infra/constructs/edge-auth.ts), and every function verifies the token itself (lib/auth/verify.ts).',
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'AWSLambdaBasicExecutionRole only grants writing the function’s own CloudWatch logs.',
  },
  {
    id: 'AwsSolutions-SMG4',
    reason:
      'The platform signing key is rotated by `tempora auth rotate`, which keeps the previous key valid for a grace window; a rotation Lambda would cut off live tokens.',
  },
  { id: 'AwsSolutions-SQS3', reason: 'These queues are themselves dead-letter queues.' },
  { id: 'AwsSolutions-L1', reason: 'nodejs22.x is the runtime this project targets and tests against.' },
];

export function suppressAcceptedFindings(stack: Stack): void {
  for (const f of ACCEPTED_FINDINGS) Validations.of(stack).acknowledge(f);
}
