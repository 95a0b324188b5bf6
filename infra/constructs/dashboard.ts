/**
 * The environment's one CloudWatch dashboard, `tempora-<env>`: the platform at a glance. Built
 * from what the stacks' {@link Watch}es found, so a new function, queue or table appears on it by
 * itself. It lives in the API stack (the last one deployed), and names other stacks' resources
 * by literal name where they have one (tables, the ticker, the schedule group, every alarm), so
 * it imports little from them.
 *
 * Rows: alarms of each stack · HTTP API · live campaigns (the broadcaster's own figures, the
 * WebSocket API, the ticker) · events and intents · functions · dead letters · DynamoDB throttles.
 */
import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Settings } from '../settings.ts';
import type { Watch } from './watch.ts';

const PERIOD = Duration.minutes(5);
/** CloudWatch's limit of alarms in one alarm status widget. */
const ALARMS_PER_WIDGET = 100;
const FULL = 24;

export interface DashboardProps {
  settings: Settings;
  /** The HTTP API (same stack). */
  httpApi: apigwv2.HttpApi;
  /** Every stack's watch, after `cover()`. */
  watches: readonly Watch[];
}

export class PlatformDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { prefix, environment, config } = props.settings;
    const found = <T>(type: abstract new (...a: never[]) => T): Array<{ name: string; construct: T }> =>
      props.watches.flatMap((w) =>
        w.watched.flatMap((x) =>
          x.construct instanceof type ? [{ name: x.name, construct: x.construct as T }] : [],
        ),
      );
    const metric = (namespace: string, metricName: string, dims: Record<string, string>, statistic = 'Sum') =>
      new cloudwatch.Metric({ namespace, metricName, dimensionsMap: dims, statistic, period: PERIOD });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8, right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({
        title,
        left,
        right,
        width,
        height: 6,
        legendPosition: cloudwatch.LegendPosition.BOTTOM,
      });
    const header = (markdown: string) => new cloudwatch.TextWidget({ markdown, width: FULL, height: 1 });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(3),
    });
    const d = this.dashboard;

    d.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          `# Tempora ${environment}`,
          `Stacks ${props.watches.map((w) => `\`${Stack.of(w).stackName}\``).join(', ')}; alarms notify one SNS topic per stack` +
            `${config.alarmEmail ? ` and ${config.alarmEmail}` : ''}. Thresholds: infra/config.ts; operations: docs/deploy.md.`,
        ].join('\n\n'),
        width: FULL,
        height: 2,
      }),
    );

    // --- Alarms: one status grid per stack (alarm ARNs from their literal names) ---------------
    for (const w of props.watches) {
      const alarms = w.alarms.map((a, i) =>
        cloudwatch.Alarm.fromAlarmArn(
          this,
          `${w.node.id}${Stack.of(w).node.id}Alarm${i}`,
          Arn.format(
            {
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: a.alarm.alarmName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            Stack.of(this),
          ),
        ),
      );
      for (let i = 0; i < alarms.length; i += ALARMS_PER_WIDGET)
        d.addWidgets(
          new cloudwatch.AlarmStatusWidget({
            title: `Alarms of ${Stack.of(w).stackName}${alarms.length > ALARMS_PER_WIDGET ? ` (${i / ALARMS_PER_WIDGET + 1})` : ''}`,
            alarms: alarms.slice(i, i + ALARMS_PER_WIDGET),
            width: FULL,
            height: 4,
          }),
        );
    }

    // --- HTTP API ----------------------------------------------------------------------------
    const apiDims = { ApiId: props.httpApi.apiId };
    d.addWidgets(header('## HTTP API'));
    d.addWidgets(
      graph('Requests and errors', [
        metric('AWS/ApiGateway', 'Count', apiDims),
        metric('AWS/ApiGateway', '4xx', apiDims),
        metric('AWS/ApiGateway', '5xx', apiDims),
      ]),
      graph('Latency (ms)', [
        metric('AWS/ApiGateway', 'Latency', apiDims, 'p50'),
        metric('AWS/ApiGateway', 'Latency', apiDims, 'p99'),
        metric('AWS/ApiGateway', 'IntegrationLatency', apiDims, 'p99'),
      ]),
      graph('5xx share of requests', [metric('AWS/ApiGateway', '5xx', apiDims, 'Average')]),
    );

    // --- Live campaigns ----------------------------------------------------------------------
    const bc = (name: string, statistic = 'Sum') =>
      metric('Tempora', name, { service: 'broadcast' }, statistic);
    const machines = found(sfn.StateMachine).map((m) => ({
      name: m.name,
      arn: Arn.format(
        {
          service: 'states',
          resource: 'stateMachine',
          resourceName: String((m.construct.node.defaultChild as sfn.CfnStateMachine).stateMachineName),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        },
        Stack.of(this),
      ),
    }));
    d.addWidgets(header('## Live campaigns'));
    d.addWidgets(
      graph('Frames', [bc('FramesSent'), bc('FramesThinned'), bc('FramesDropped')]),
      graph('Posts', [bc('PostsThrottled'), bc('PostsFailed'), bc('ConnectionsGone')]),
      graph('Tick lateness (ms) and shards', [bc('TickLateness', 'p50'), bc('TickLateness', 'p99')], 8, [
        bc('ShardCount', 'Maximum'),
      ]),
    );
    d.addWidgets(
      ...found(apigwv2.WebSocketApi).map((x) => {
        const dims = { ApiId: x.construct.apiId };
        return graph(`WebSocket ${x.name}`, [
          metric('AWS/ApiGateway', 'ConnectCount', dims),
          metric('AWS/ApiGateway', 'MessageCount', dims),
          metric('AWS/ApiGateway', 'IntegrationError', dims),
        ]);
      }),
      ...machines.map((m) =>
        graph(`Ticker executions (${m.name})`, [
          metric('AWS/States', 'ExecutionsStarted', { StateMachineArn: m.arn }),
          metric('AWS/States', 'ExecutionsFailed', { StateMachineArn: m.arn }),
          metric('AWS/States', 'ExecutionsTimedOut', { StateMachineArn: m.arn }),
        ]),
      ),
    );

    // --- Events and intents ------------------------------------------------------------------
    const groups = found(scheduler.CfnScheduleGroup).map((g) => String(g.construct.name));
    d.addWidgets(header('## Events and intents'));
    d.addWidgets(
      graph('Nexus: events published', [
        metric('Tempora', 'EventsPublished', { service: 'nexus' }),
        metric('Tempora', 'EventsPublishFailed', { service: 'nexus' }),
      ]),
      ...groups.map((g) =>
        graph(`Scheduler: intents due (${g})`, [
          metric('AWS/Scheduler', 'InvocationAttemptCount', { ScheduleGroup: g }),
          metric('AWS/Scheduler', 'TargetErrorCount', { ScheduleGroup: g }),
          metric('AWS/Scheduler', 'InvocationsSentToDeadLetterCount', { ScheduleGroup: g }),
        ]),
      ),
    );

    // --- Functions, dead letters, tables -----------------------------------------------------
    const fns = found(lambda.Function);
    const labelled = (m: cloudwatch.Metric, label: string) => m.with({ label });
    d.addWidgets(header('## Functions, dead letters, tables'));
    d.addWidgets(
      graph(
        'Function errors',
        fns.map((f) => labelled(f.construct.metricErrors({ period: PERIOD }), f.name)),
      ),
      graph(
        'Function throttles',
        fns.map((f) => labelled(f.construct.metricThrottles({ period: PERIOD }), f.name)),
      ),
      graph(
        'Function duration p99 (ms)',
        fns.map((f) => labelled(f.construct.metricDuration({ period: PERIOD, statistic: 'p99' }), f.name)),
      ),
    );
    const queues = found(sqs.Queue);
    const tables = found(dynamodb.Table).map((t) => ({
      name: t.name,
      tableName: String((t.construct.node.defaultChild as dynamodb.CfnTable).tableName),
    }));
    const throttles = (metricName: string) =>
      tables.map((t) => labelled(metric('AWS/DynamoDB', metricName, { TableName: t.tableName }), t.name));
    d.addWidgets(
      graph(
        'Dead letters waiting',
        queues.map((q) =>
          labelled(
            q.construct.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
            q.name,
          ),
        ),
      ),
      graph('DynamoDB read throttles', throttles('ReadThrottleEvents')),
      graph('DynamoDB write throttles', throttles('WriteThrottleEvents')),
    );
  }
}
