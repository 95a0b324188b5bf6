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
import { SCORE_INDEX } from '../../lib/broadcast/leaderboard.ts';
import { DEFAULT_CONNECTIONS_PER_SHARD, DEFAULT_POST_BUDGET } from '../../lib/broadcast/settings.ts';
import { RUNNING_ATTRIBUTE, RUNNING_INDEX } from '../../lib/broadcast/ticker-state.ts';
import { deadLetterQueue, grantTable, pitrTable } from './helpers.ts';
import { ServiceFunction } from './service-function.ts';

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
  jwtSecret: secretsmanager.ISecret;
  /** Adds the service's HTTP routes (from the registry) to the HTTP API, served by `fn`. */
  addRoutes: (fn: lambda.IFunction) => void;
  /** Adds the Nexus rule of the events the service consumes (from the registry), with `dlq`. */
  consume: (fn: lambda.IFunction, dlq: sqs.IQueue) => void;
  /** Length of one tick burst (default 60 s). */
  burst?: Duration;
  /** Bursts per execution before a fresh execution takes over (default 1000, ~7,000 history events). */
  maxIterations?: number;
  /** Leaderboard entries per frame (default 10). */
  topN?: number;
  /** Inbound messages per connection and second (default 100). */
  rateLimitPerSecond?: number;
  /**
   * PostToConnection calls per second one broadcaster (one shard) may make (default 5,000:
   * half the account's 10,000/s API Gateway quota, which every API of the region shares).
   */
  postsPerSecond?: number;
  /** Connections one broadcaster serves before a campaign is split into shards (default 1,000). */
  connectionsPerShard?: number;
}

/** WebSocket stage name: clients connect to `wss://<api>.execute-api.<region>.amazonaws.com/live`. */
export const WEBSOCKET_STAGE = 'live';

/**
 * Live campaigns: the WebSocket API, the connections table, the leaderboard/state table,
 * the ticker state machine, and ONE Lambda that serves all of it (WebSocket routes, the
 * scores route, the campaign-event controller and the tick bursts), dispatching by event
 * shape. Its timeout is the burst plus a margin (a burst is one invocation that ticks for
 * ~a minute); the API Gateway routes it also serves time out on their own at 29 s.
 */
export class Broadcast extends Construct {
  readonly fn: lambda.Function;
  readonly connections: dynamodb.Table;
  readonly state: dynamodb.Table;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly stateMachine: sfn.StateMachine;
  readonly dlq: sqs.Queue;
  /** Every minute: restart tickers that died without a campaign event (lib/broadcast/controller.ts). */
  readonly sweep: events.Rule;

  constructor(scope: Construct, id: string, props: BroadcastProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const burst = props.burst ?? Duration.seconds(60);
    const table = (cid: string, name: string, sk: string, ttl?: string) =>
      pitrTable(this, cid, {
        tableName: `${props.prefix}-${name}`,
        partitionKey: 'campaign_id',
        sortKey: sk,
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy: props.removalPolicy,
      });

    // Connections: (campaign_id, connection_id) fan-out items + "conn#<id>" lookup items, TTL 2 h.
    this.connections = table('Connections', 'service_broadcast_connection', 'connection_id', 'expires_at');
    // Leaderboards (score#<user>), participant counters (live) and ticker items (ticker).
    this.state = table('State', 'service_broadcast_state', 'sk');
    this.state.addGlobalSecondaryIndex({
      indexName: SCORE_INDEX,
      partitionKey: { name: 'campaign_id', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'score', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['user'],
    });
    // Running tickers only (sparse: the attribute exists while a ticker runs), for the sweep.
    this.state.addGlobalSecondaryIndex({
      indexName: RUNNING_INDEX,
      partitionKey: { name: RUNNING_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'campaign_id', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.dlq = deadLetterQueue(this, 'EventsDlq');

    // The state machine's ARN is known by name up front: the function's environment and
    // grants name it without depending on the machine (which depends on the function).
    const stateMachineName = `${props.prefix}-broadcast-ticker`;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: 'arn:aws:service:region:account:resource:resourceName' as never,
    });
    const executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: 'arn:aws:service:region:account:resource:resourceName' as never,
    });

    // The routes are added once the function exists (it needs the API id in its environment).
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${props.prefix}-ws`,
      description: 'Tempora live campaigns: campaign state frames, ping, score',
    });
    const managementEndpoint = `https://${this.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${WEBSOCKET_STAGE}`;

    this.fn = new ServiceFunction(this, 'Service', {
      folder: 'broadcast',
      serviceName: 'broadcast',
      retention: props.retention,
      memorySize: 1536,
      timeout: burst.plus(Duration.seconds(30)),
      asyncDeadLetterQueue: this.dlq,
      environment: {
        TEMPORA_ENV: props.environment,
        OUTBOX_TABLE: props.outbox.tableName,
        JWT_SECRET_ID: props.jwtSecret.secretArn,
        CAMPAIGN_TABLE: props.campaigns.tableName,
        CONNECTIONS_TABLE: this.connections.tableName,
        STATE_TABLE: this.state.tableName,
        STATE_MACHINE_ARN: stateMachineArn,
        WS_API_ID: this.webSocketApi.apiId,
        WS_STAGE: WEBSOCKET_STAGE,
        WS_MANAGEMENT_ENDPOINT: managementEndpoint,
        TICK_BURST_SECONDS: String(burst.toSeconds()),
        TICKER_MAX_ITERATIONS: String(props.maxIterations ?? 1000),
        LEADERBOARD_TOP_N: String(props.topN ?? 10),
        WS_RATE_LIMIT_PER_SEC: String(props.rateLimitPerSecond ?? 100),
        POST_BUDGET_PER_SEC: String(props.postsPerSecond ?? DEFAULT_POST_BUDGET),
        CONNECTIONS_PER_SHARD: String(props.connectionsPerShard ?? DEFAULT_CONNECTIONS_PER_SHARD),
      },
    }).fn;

    // --- WebSocket API: $connect / $disconnect / $default on the one function --------------
    this.webSocketApi.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', this.fn),
    });
    this.webSocketApi.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration('DisconnectIntegration', this.fn),
    });
    this.webSocketApi.addRoute('$default', {
      integration: new WebSocketLambdaIntegration('DefaultIntegration', this.fn),
    });
    const accessLogs = new logs.LogGroup(this, 'WebSocketAccessLogs', {
      retention: props.retention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
    });
    (this.stage.node.defaultChild as apigwv2.CfnStage).accessLogSettings = {
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

    // --- Ticker: Task (one burst) → Choice (BooleanEquals continue) → Task … ----------------
    const tick = new tasks.LambdaInvoke(this, 'Burst', {
      lambdaFunction: this.fn,
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
    this.stateMachine = new sfn.StateMachine(this, 'Ticker', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'One execution per broadcasting campaign: tick bursts in a loop',
      definitionBody: sfn.DefinitionBody.fromChainable(tick.next(loop)),
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      removalPolicy: props.removalPolicy,
    });

    // --- Sweep: every minute, dead tickers are restarted (and ended ones stopped) ------------
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

    // --- Least privilege: exactly what the code calls ---------------------------------------
    const fn = this.fn;
    grantTable(fn, props.campaigns, ['dynamodb:GetItem']);
    grantTable(fn, props.outbox, ['dynamodb:PutItem']);
    grantTable(fn, this.connections, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:DescribeTable',
    ]);
    grantTable(fn, this.state, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DescribeTable']);
    grantTable(fn, this.state, ['dynamodb:Query'], [SCORE_INDEX, RUNNING_INDEX]);
    // A campaign ranked by a formula reads its score rows (one partition) to rank them.
    grantTable(fn, this.state, ['dynamodb:Query']);
    props.jwtSecret.grantRead(fn);
    const connectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.webSocketApi.apiId,
      resourceName: `${WEBSOCKET_STAGE}/POST/@connections/*`,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [connectionsArn] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution', 'states:DescribeExecution'],
        resources: [executionsArn],
      }),
    );

    props.addRoutes(fn);
    props.consume(fn, this.dlq);

    // --- cdk-nag: the wildcards above are resource-scoped by design ----------------------
    const tok = (v: string, name: string) => (Token.isUnresolved(v) ? `<AWS::${name}>` : v);
    const region = tok(stack.region, 'Region');
    const account = tok(stack.account, 'AccountId');
    const apiRef = stack.getLogicalId(this.webSocketApi.node.defaultChild as apigwv2.CfnApi);
    Validations.of(fn).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:<${apiRef}>/${WEBSOCKET_STAGE}/POST/@connections/*]`,
        reason:
          'PostToConnection to any connection of this API stage only: connection ids exist only at run time.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${stateMachineName}:*]`,
        reason:
          'Stop/describe the executions of the ticker state machine only: one execution per campaign run, named at run time.',
      },
    );
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'Step Functions invokes the ticker function (any version of it), nothing else.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray and CloudWatch Logs delivery, which have no resource-level scoping.',
      },
    );
  }
}
