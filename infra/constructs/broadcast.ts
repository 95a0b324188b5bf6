import { Duration, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RUNNING_ATTRIBUTE, RUNNING_INDEX, SCORE_INDEX } from '../../lib/broadcast/contract-tables.ts';
import {
  broadcastEnv,
  eventApiEnv,
  eventsAuthorizerEnv,
  tickerEnv,
} from '../../lib/config/functions-live.ts';
import { BroadcastEvents } from './broadcast-events.ts';
import { deadLetterQueue, grantTable, pitrTable } from './helpers.ts';
import { addEnvironment, ServiceFunction } from './service-function.ts';

export interface BroadcastProps {
  /** `tempora-<env>`: prefix of physical names. */
  prefix: string;
  environment: string;
  retention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  /** The Nexus outbox (events are published by writing envelopes to it). */
  outbox: dynamodb.ITable;
  /** The campaign service's entity table (read only). */
  campaigns: dynamodb.ITable;
  /** The policy matrix (who may watch a campaign). */
  policies: dynamodb.ITable;
  jwtSecret: secretsmanager.ISecret;
  /** The trusted issuers (`TEMPORA_AUTH`, JSON of lib/config/auth.ts). */
  auth: string;
  /** Adds the service's HTTP routes (from the registry) to the HTTP API, served by `fn`. */
  addRoutes: (fn: lambda.IFunction) => void;
  /** Adds the Nexus rule of the events the service consumes (from the registry), with `dlq`. */
  consume: (fn: lambda.IFunction, dlq: sqs.IQueue) => void;
  /**
   * `declared` (default): the AppSync Event API of the events transport is part of the stack.
   * `external`: it is created outside CloudFormation (the emulator's, by localstack/event-api.ts).
   */
  eventApi?: 'declared' | 'external';
  /** Length of one tick burst (default 60 s). */
  burst?: Duration;
  /** Bursts per execution before a fresh execution takes over (default 1000, ~7,000 history events). */
  maxIterations?: number;
  /** Leaderboard entries per frame (default 10). */
  topN?: number;
  /** Inbound messages per connection and second (default 100). */
  rateLimitPerSecond?: number;
  /** PostToConnection calls per second one broadcaster (one shard) may make (default 5,000). */
  postsPerSecond?: number;
  /** Connections one broadcaster serves before a campaign is split into shards (default 1,000). */
  connectionsPerShard?: number;
  /** The account's API Gateway request quota per second in the region (default 10,000). */
  accountPostQuota?: number;
  /**
   * Share of that quota every broadcaster together may post, in (0, 1] (default 0.5): the rest
   * stays for the platform's own HTTP API and the account's other APIs.
   */
  accountPostShare?: number;
  /** `auto` campaigns go `events` above this share of the posting budget, in (0, 1] (default 0.5). */
  autoEventsShare?: number;
}

/** WebSocket stage name: clients connect to `wss://<api>.execute-api.<region>.amazonaws.com/live`. */
export const WEBSOCKET_STAGE = 'live';

const share = (name: string, v: number | undefined): string | undefined => {
  if (v === undefined) return undefined;
  if (!(v > 0 && v <= 1)) throw new Error(`Broadcast ${name} must be in (0, 1], got ${v}`);
  return String(v);
};

/**
 * Live campaigns (docs/broadcast.md): the WebSocket API, the connections and state tables, the
 * ticker state machine, the AppSync Event API of the events transport, and three functions:
 * - `broadcast`: WebSocket routes, HTTP routes, campaign events (the controller), the sweep;
 * - `broadcast-ticker`: the state machine's task (tick bursts, about a minute each);
 * - `broadcast-authorizer`: the Event API's Lambda authorizer.
 */
export class Broadcast extends Construct {
  readonly fn: lambda.Function;
  readonly ticker: lambda.Function;
  readonly authorizer: lambda.Function;
  readonly connections: dynamodb.Table;
  readonly state: dynamodb.Table;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly stateMachine: sfn.StateMachine;
  readonly dlq: sqs.Queue;
  /** Every minute: restart tickers that died without a campaign event (lib/broadcast/ticker-watch.ts). */
  readonly sweep: events.Rule;
  /** The Event API (undefined when it is `external`). */
  readonly events: BroadcastEvents | undefined;

  constructor(scope: Construct, id: string, props: BroadcastProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const burst = props.burst ?? Duration.seconds(60);
    const tables = this.#tables(props);
    this.connections = tables.connections;
    this.state = tables.state;
    this.dlq = deadLetterQueue(this, 'EventsDlq');
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${props.prefix}-ws`,
      description: 'Tempora live campaigns: campaign state frames, ping, score',
    });
    // The state machine's ARN is known by name up front: the functions' environment and grants
    // name it without depending on the machine (which depends on the ticker function).
    const stateMachineName = `${props.prefix}-broadcast-ticker`;
    const arnOf = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName,
        arnFormat: 'arn:aws:service:region:account:resource:resourceName' as never,
      });
    const stateMachineArn = arnOf('stateMachine', stateMachineName);
    const executionsArn = arnOf('execution', `${stateMachineName}:*`);
    const live = {
      environment: props.environment,
      outboxTable: props.outbox.tableName,
      campaignTable: props.campaigns.tableName,
      connectionsTable: this.connections.tableName,
      broadcastStateTable: this.state.tableName,
      stateMachineArn,
      webSocketApiId: this.webSocketApi.apiId,
      webSocketStage: WEBSOCKET_STAGE,
      webSocketManagementEndpoint: `https://${this.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${WEBSOCKET_STAGE}`,
      topN: String(props.topN ?? 10),
    };

    this.fn = new ServiceFunction(this, 'Service', {
      folder: 'broadcast',
      serviceName: 'broadcast',
      retention: props.retention,
      memorySize: 512,
      timeout: Duration.seconds(29),
      asyncDeadLetterQueue: this.dlq,
      environment: broadcastEnv.render({
        ...live,
        jwtSecretId: props.jwtSecret.secretArn,
        auth: props.auth,
        policiesTable: props.policies.tableName,
        webSocketUrl: `wss://${this.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${WEBSOCKET_STAGE}`,
        wsRateLimitPerSec: String(props.rateLimitPerSecond ?? 100),
      }),
    }).fn;
    this.ticker = new ServiceFunction(this, 'TickerFunction', {
      folder: 'broadcast-ticker',
      serviceName: 'broadcast',
      retention: props.retention,
      // CPU for the fan-out: ~0.87 vCPU (docs/broadcast.md, "Memory of the broadcaster").
      memorySize: 1536,
      timeout: burst.plus(Duration.seconds(30)),
      environment: tickerEnv.render({
        ...live,
        tickBurstSeconds: String(burst.toSeconds()),
        tickerMaxIterations: String(props.maxIterations ?? 1000),
        ...(props.postsPerSecond === undefined ? {} : { postBudgetPerSec: String(props.postsPerSecond) }),
        ...(props.connectionsPerShard === undefined
          ? {}
          : { connectionsPerShard: String(props.connectionsPerShard) }),
        ...(props.accountPostQuota === undefined ? {} : { accountPostQuota: String(props.accountPostQuota) }),
        accountPostShare: share('accountPostShare', props.accountPostShare),
        autoEventsShare: share('autoEventsShare', props.autoEventsShare),
      }),
    }).fn;
    this.authorizer = new ServiceFunction(this, 'EventsAuthorizer', {
      folder: 'broadcast-authorizer',
      serviceName: 'broadcast',
      retention: props.retention,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: eventsAuthorizerEnv.render({
        environment: props.environment,
        jwtSecretId: props.jwtSecret.secretArn,
        auth: props.auth,
        campaignTable: props.campaigns.tableName,
        policiesTable: props.policies.tableName,
      }),
    }).fn;

    this.stage = this.#webSocketRoutes(props);
    this.stateMachine = this.#stateMachine(props, stateMachineName);
    // A missed minute is made up by the next one: no retries, and the failure is in the logs.
    this.sweep = new events.Rule(this, 'TickerSweep', {
      description: 'Restart broadcast tickers that died without a campaign event',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.fn, {
          event: events.RuleTargetInput.fromObject({ kind: 'broadcast.sweep' }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    if ((props.eventApi ?? 'declared') === 'declared') {
      this.events = new BroadcastEvents(this, 'Events', {
        prefix: props.prefix,
        authorizer: this.authorizer,
        publishers: [this.ticker, this.fn],
      });
      const { api } = this.events;
      const block = eventApiEnv.render({
        eventsApiId: api.apiId,
        eventsHttpDns: api.httpDns,
        eventsRealtimeDns: api.realtimeDns,
      });
      for (const f of [this.fn, this.ticker]) addEnvironment(f, block);
    }
    this.#grants(props, stateMachineArn, executionsArn);
    props.addRoutes(this.fn);
    props.consume(this.fn, this.dlq);
    this.#acknowledge(stateMachineName);
  }

  #tables(props: BroadcastProps): { connections: dynamodb.Table; state: dynamodb.Table } {
    const table = (cid: string, name: string, sk: string, ttl?: string) =>
      pitrTable(this, cid, {
        tableName: `${props.prefix}-${name}`,
        partitionKey: 'campaign_id',
        sortKey: sk,
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy: props.removalPolicy,
      });
    // Connections: (campaign_id, connection_id) fan-out items + "conn#<id>" lookup items, TTL 2 h.
    const connections = table('Connections', 'service_broadcast_connection', 'connection_id', 'expires_at');
    // Leaderboards (score#<user>), participant counters (live), ticker items (ticker), shard
    // heartbeats (shard#<n>) and the posting share's windows (share#posting, TTL expires_at).
    const state = table('State', 'service_broadcast_state', 'sk', 'expires_at');
    state.addGlobalSecondaryIndex({
      indexName: SCORE_INDEX,
      partitionKey: { name: 'campaign_id', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'score', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['user'],
    });
    // Running tickers only (sparse: the attribute exists while a ticker runs), for the sweep.
    state.addGlobalSecondaryIndex({
      indexName: RUNNING_INDEX,
      partitionKey: { name: RUNNING_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'campaign_id', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    return { connections, state };
  }

  /** `$connect` / `$disconnect` / `$default` on the service function, stage `live` with access logs. */
  #webSocketRoutes(props: BroadcastProps): apigwv2.WebSocketStage {
    for (const [route, cid] of [
      ['$connect', 'ConnectIntegration'],
      ['$disconnect', 'DisconnectIntegration'],
      ['$default', 'DefaultIntegration'],
    ] as const) {
      this.webSocketApi.addRoute(route, { integration: new WebSocketLambdaIntegration(cid, this.fn) });
    }
    const accessLogs = new logs.LogGroup(this, 'WebSocketAccessLogs', {
      retention: props.retention,
      removalPolicy: props.removalPolicy,
    });
    const stage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
    });
    (stage.node.defaultChild as apigwv2.CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        connectionId: '$context.connectionId',
        eventType: '$context.eventType',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.integrationLatency',
      }),
    };
    return stage;
  }

  /** Task (one burst on the ticker function) → Choice (BooleanEquals continue) → Task … */
  #stateMachine(props: BroadcastProps, stateMachineName: string): sfn.StateMachine {
    const tick = new tasks.LambdaInvoke(this, 'Burst', {
      lambdaFunction: this.ticker,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      comment: 'One tick burst; returns the next input and whether to loop',
    });
    tick.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      interval: Duration.seconds(1),
      maxAttempts: 3,
      backoffRate: 2,
    });
    const loop = new sfn.Choice(this, 'Continue?')
      .when(sfn.Condition.booleanEquals('$.continue', true), tick)
      .otherwise(new sfn.Succeed(this, 'Done'));
    const machineLogs = new logs.LogGroup(this, 'TickerLogs', {
      retention: props.retention,
      removalPolicy: props.removalPolicy,
    });
    return new sfn.StateMachine(this, 'Ticker', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'One execution per broadcasting campaign: tick bursts in a loop',
      definitionBody: sfn.DefinitionBody.fromChainable(tick.next(loop)),
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      removalPolicy: props.removalPolicy,
    });
  }

  /** Least privilege: exactly what each function's code calls. */
  #grants(props: BroadcastProps, stateMachineArn: string, executionsArn: string): void {
    const stack = Stack.of(this);
    const connectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.webSocketApi.apiId,
      resourceName: `${WEBSOCKET_STAGE}/POST/@connections/*`,
    });
    const manage = new iam.PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [connectionsArn],
    });
    const startExecution = new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: [stateMachineArn],
    });
    const connectionActions = [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ];
    // functions/broadcast: connect/disconnect/messages, scores, /live, the controller and the sweep.
    const fn = this.fn;
    grantTable(fn, props.campaigns, ['dynamodb:GetItem']);
    grantTable(fn, props.policies, ['dynamodb:Query']);
    grantTable(fn, props.outbox, ['dynamodb:PutItem']);
    grantTable(fn, this.connections, [...connectionActions, 'dynamodb:PutItem', 'dynamodb:DescribeTable']);
    grantTable(fn, this.state, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DescribeTable']);
    grantTable(fn, this.state, ['dynamodb:Query'], [RUNNING_INDEX]);
    props.jwtSecret.grantRead(fn);
    fn.addToRolePolicy(manage);
    fn.addToRolePolicy(startExecution);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution', 'states:DescribeExecution'],
        resources: [executionsArn],
      }),
    );
    // functions/broadcast-ticker: reads, the ticker item, shard beats, the share, posts, publishes.
    const ticker = this.ticker;
    grantTable(ticker, props.campaigns, ['dynamodb:GetItem']);
    grantTable(ticker, props.outbox, ['dynamodb:PutItem']);
    grantTable(ticker, this.connections, connectionActions);
    grantTable(ticker, this.state, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    grantTable(ticker, this.state, ['dynamodb:Query'], [SCORE_INDEX]);
    // A campaign ranked by a formula: its score rows are read (one partition) and ranked in memory.
    grantTable(ticker, this.state, ['dynamodb:Query']);
    ticker.addToRolePolicy(manage);
    ticker.addToRolePolicy(startExecution);
    // functions/broadcast-authorizer: the campaign, the policy matrix, the signing key.
    grantTable(this.authorizer, props.campaigns, ['dynamodb:GetItem']);
    grantTable(this.authorizer, props.policies, ['dynamodb:Query']);
    props.jwtSecret.grantRead(this.authorizer);
  }

  /** cdk-nag: the wildcards above are resource-scoped by design. */
  #acknowledge(stateMachineName: string): void {
    const stack = Stack.of(this);
    const tok = (v: string, name: string) => (Token.isUnresolved(v) ? `<AWS::${name}>` : v);
    const region = tok(stack.region, 'Region');
    const account = tok(stack.account, 'AccountId');
    const apiRef = stack.getLogicalId(this.webSocketApi.node.defaultChild as apigwv2.CfnApi);
    const connections = {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:<${apiRef}>/${WEBSOCKET_STAGE}/POST/@connections/*]`,
      reason:
        'PostToConnection to any connection of this API stage only: connection ids exist only at run time.',
    };
    Validations.of(this.fn).acknowledge(connections, {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${stateMachineName}:*]`,
      reason:
        'Stop/describe the executions of the ticker state machine only: one execution per campaign run, named at run time.',
    });
    Validations.of(this.ticker).acknowledge(connections);
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.ticker.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'Step Functions invokes the ticker function (any version of it), nothing else.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray and CloudWatch Logs delivery, which have no resource-level scoping.',
      },
    );
  }
}
