/**
 * The alarms of one stack, derived from what the stack holds, and the one SNS topic they notify
 * (with the environment's alarm email subscribed, when configured). Nothing is listed by hand:
 * {@link Watch.cover} walks the stack's constructs once it is built, and every function, queue,
 * table, HTTP or WebSocket API, state machine and schedule group found gets its alarms, so a
 * resource added to the registry or to a construct is watched without anyone remembering to.
 *
 * Alarms are made with cdk-monitoring-constructs (its alarm factories, naming, SNS action), one
 * metric each: the local emulator's CloudFormation provisions single-metric alarms only (no
 * `Metrics` list), so the rate alarms use the metrics' Average (the 5xx metric is 0 or 1 per
 * request), DynamoDB throttles are read and write events rather than cdk-monitoring-constructs'
 * FILL() expressions, and {@link singleMetricForm} writes every alarm in CloudFormation's plain
 * single-metric form (CDK writes a labelled metric as a one-entry `Metrics` list: the same alarm).
 * Thresholds come from the environment's configuration (infra/config.ts).
 *
 * | Found | Alarms |
 * | --- | --- |
 * | Lambda function | Errors, Throttles, p99 Duration ≥ x % of its own timeout |
 * | SQS queue (every queue here is a dead-letter queue) | messages visible (depth > 0), age of the oldest |
 * | DynamoDB table | ReadThrottleEvents, WriteThrottleEvents |
 * | HTTP API | 5xx share of requests, p99 latency |
 * | WebSocket API | IntegrationError |
 * | Step Functions state machine | executions failed, timed out |
 * | Scheduler schedule group | TargetErrorCount, InvocationsFailedToBeSentToDeadLetterCount |
 * | the broadcast ticker function | FramesThinned, PostsThrottled, p99 TickLateness (its own metrics) |
 */
import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  type AlarmWithAnnotation,
  type CustomMetricGroup,
  type IDynamicDashboardFactory,
  MonitoringFacade,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import type { Thresholds } from '../config.ts';
import type { Settings } from '../settings.ts';
import { ServiceFunction } from './service-function.ts';

const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
/** Every threshold of infra/config.ts is "alarm at or above"; `Critical` pages, `Warning` looks. */
const critical = <T extends object>(threshold: T) => ({
  Critical: { ...threshold, comparisonOperatorOverride: GTE },
});
const warning = <T extends object>(threshold: T) => ({
  Warning: { ...threshold, comparisonOperatorOverride: GTE },
});
/** Every alarm looks at 5-minute periods and fires on one breaching period. */
const PERIOD = Duration.minutes(5);
/** The broadcaster's own metrics (lib/broadcast/ticker-lambda.ts, Powertools EMF, namespace Tempora, service broadcast). */
const BROADCAST_SERVICE = 'broadcast';
/** The function that ticks (and so emits them). */
const BROADCAST_TICKER_FOLDER = 'broadcast-ticker';

/** The per-stack facades make alarms only: the environment's one dashboard is infra/constructs/dashboard.ts. */
const NO_DASHBOARDS: IDynamicDashboardFactory = {
  addDynamicSegment: () => undefined,
  getDashboard: () => undefined,
};

/** What kind of thing an alarm watches, for counting and tests. */
export type WatchedKind =
  | 'function'
  | 'queue'
  | 'table'
  | 'http-api'
  | 'websocket-api'
  | 'state-machine'
  | 'schedule-group'
  | 'broadcaster';

export interface WatchProps {
  settings: Settings;
  /** Output name prefix of the topic ARN (`<label>AlarmTopicArn`): outputs of all stacks share one file locally. */
  label: string;
}

export class Watch extends Construct {
  readonly topic: sns.Topic;
  readonly facade: MonitoringFacade;
  /** What {@link cover} found, by kind and readable name (its construct path). */
  readonly watched: Array<{ kind: WatchedKind; name: string; construct: IConstruct }> = [];
  /** The alarms {@link cover} made, with what they watch. */
  readonly alarms: Array<{ kind: WatchedKind; watched: string; alarm: AlarmWithAnnotation }> = [];
  private readonly thresholds: Thresholds;
  private covered = false;

  constructor(scope: Stack, id: string, props: WatchProps) {
    super(scope, id);
    const { prefix, environment, config } = props.settings;
    this.thresholds = config.thresholds;
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Tempora ${environment} alarms (${scope.stackName})`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry an alarm name and state, no data; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key per stack would cost more than the topic.',
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    new CfnOutput(scope, `${props.label}AlarmTopicArn`, { value: this.topic.topicArn });
    this.facade = new MonitoringFacade(this, 'Alarms', {
      alarmFactoryDefaults: {
        alarmNamePrefix: prefix,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.topic }),
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
      },
      metricFactoryDefaults: { period: PERIOD },
      dashboardFactory: NO_DASHBOARDS,
    });
  }

  /** Alarms for everything the stack holds. Call once, when every construct of the stack exists. */
  cover(): this {
    if (this.covered) throw new Error(`${this.node.path}: cover() was already called`);
    this.covered = true;
    const stack = Stack.of(this);
    for (const c of stack.node.findAll()) {
      if (c.node.scopes.includes(this)) continue;
      if (c instanceof lambda.Function) this.watchFunction(c);
      else if (c instanceof ServiceFunction && c.folder === BROADCAST_TICKER_FOLDER) this.watchBroadcaster(c);
      else if (c instanceof sqs.Queue) this.watchQueue(c);
      else if (c instanceof dynamodb.Table) this.watchTable(c);
      else if (c instanceof apigwv2.HttpApi) this.watchHttpApi(c);
      else if (c instanceof apigwv2.WebSocketApi) this.watchWebSocketApi(c);
      else if (c instanceof sfn.StateMachine) this.watchStateMachine(c);
      else if (c instanceof scheduler.CfnScheduleGroup) this.watchScheduleGroup(c);
    }
    this.plainForm();
    return this;
  }

  /** Every alarm made so far, in CloudFormation's plain single-metric form. */
  private plainForm(): void {
    for (const a of this.facade.createdAlarms()) {
      const cfn = a.alarm.node.defaultChild;
      if (cfn instanceof cloudwatch.CfnAlarm) singleMetricForm(cfn);
    }
  }

  /** `UserService/Fn` → `UserService`, `Nexus/PublisherDlq` → `Nexus-PublisherDlq`: readable, literal, unique. */
  private nameOf(c: IConstruct): string {
    const stack = Stack.of(c);
    return c.node.scopes
      .slice(c.node.scopes.indexOf(stack) + 1)
      .map((s) => s.node.id)
      .filter((part, i, all) => !(i === all.length - 1 && (part === 'Fn' || part === 'Resource')))
      .join('-');
  }

  /** Runs `add` (which makes alarms through the facade) and records them under what they watch. */
  private alarmsFor(
    kind: WatchedKind,
    construct: IConstruct,
    add: (name: string) => unknown,
    name: string = this.nameOf(construct),
  ): void {
    const before = this.facade.createdAlarms().length;
    add(name);
    this.watched.push({ kind, name, construct });
    for (const alarm of this.facade.createdAlarms().slice(before))
      this.alarms.push({ kind, watched: name, alarm });
  }

  private watchFunction(fn: lambda.Function): void {
    const t = this.thresholds;
    this.alarmsFor('function', fn, (name) =>
      this.facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: name,
        addFaultCountAlarm: critical({ maxErrorCount: t.functionErrors }),
        addThrottlesCountAlarm: critical({ maxErrorCount: t.functionThrottles }),
        addLatencyP99Alarm: warning({ maxLatencyPercentageOfTimeout: t.functionDurationPercentOfTimeout }),
      }),
    );
  }

  /** The broadcaster's own figures: frames thinned to the budget, posts throttled, late ticks. */
  private watchBroadcaster(fn: ServiceFunction): void {
    const t = this.thresholds;
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'Tempora',
        metricName,
        dimensionsMap: { service: BROADCAST_SERVICE },
        statistic,
        period: PERIOD,
      });
    this.custom('broadcaster', `${this.nameOf(fn)}-Broadcaster`, fn, [
      [metric('FramesThinned', 'Sum'), 'FramesThinned', t.framesThinned],
      [metric('PostsThrottled', 'Sum'), 'PostsThrottled', t.postsThrottled],
      [metric('TickLateness', 'p99'), 'TickLatenessP99', t.tickLatenessP99Ms],
    ]);
  }

  private watchQueue(queue: sqs.Queue): void {
    const t = this.thresholds;
    this.alarmsFor('queue', queue, (name) =>
      this.facade.monitorSqsQueue({
        queue,
        alarmFriendlyName: name,
        addQueueMaxSizeAlarm: critical({ maxMessageCount: t.deadLetterMessages }),
        addQueueMaxMessageAgeAlarm: critical({ maxAgeInSeconds: t.deadLetterAgeMinutes * 60 }),
      }),
    );
  }

  private watchTable(table: dynamodb.Table): void {
    const t = this.thresholds;
    const name = this.nameOf(table);
    const metric = (metricName: string) => table.metric(metricName, { statistic: 'Sum', period: PERIOD });
    this.custom('table', name, table, [
      [metric('ReadThrottleEvents'), 'ReadThrottles', t.dynamoThrottles],
      [metric('WriteThrottleEvents'), 'WriteThrottles', t.dynamoThrottles],
    ]);
  }

  private watchHttpApi(api: apigwv2.HttpApi): void {
    const t = this.thresholds;
    this.alarmsFor('http-api', api, (name) =>
      this.facade.monitorApiGatewayV2HttpApi({
        api,
        alarmFriendlyName: name,
        // The 5xx metric is 0 or 1 per request: its Average is the share of 5xx responses.
        add5xxRateAlarm: critical({ maxErrorRate: t.httpApi5xxPercent / 100 }),
        addLatencyP99Alarm: warning({ maxLatency: Duration.millis(t.httpApiP99LatencyMs) }),
      }),
    );
  }

  private watchWebSocketApi(api: apigwv2.WebSocketApi): void {
    const name = this.nameOf(api);
    this.custom('websocket-api', name, api, [
      [
        new cloudwatch.Metric({
          namespace: 'AWS/ApiGateway',
          metricName: 'IntegrationError',
          dimensionsMap: { ApiId: api.apiId },
          statistic: 'Sum',
          period: PERIOD,
        }),
        'IntegrationErrors',
        this.thresholds.webSocketIntegrationErrors,
      ],
    ]);
  }

  private watchStateMachine(machine: sfn.StateMachine): void {
    const t = this.thresholds;
    this.alarmsFor('state-machine', machine, (name) =>
      this.facade.monitorStepFunction({
        stateMachine: machine,
        alarmFriendlyName: name,
        addFailedExecutionCountAlarm: critical({ maxErrorCount: t.tickerFailedExecutions }),
        addTimedOutExecutionCountAlarm: critical({ maxErrorCount: t.tickerFailedExecutions }),
      }),
    );
  }

  private watchScheduleGroup(group: scheduler.CfnScheduleGroup): void {
    const name = this.nameOf(group);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Scheduler',
        metricName,
        dimensionsMap: { ScheduleGroup: group.name ?? group.ref },
        statistic: 'Sum',
        period: PERIOD,
      });
    this.custom('schedule-group', name, group, [
      [metric('TargetErrorCount'), 'TargetErrors', this.thresholds.scheduleTargetErrors],
      // A due intent that reached neither its target nor the dead-letter queue is lost.
      [metric('InvocationsFailedToBeSentToDeadLetterCount'), 'DeadLetterFailures', 1],
    ]);
  }

  /** Single-metric alarms at or above their thresholds, through the facade's custom monitoring. */
  private custom(
    kind: WatchedKind,
    name: string,
    construct: IConstruct,
    /** [metric, its alarm's friendly name, threshold] */
    metrics: Array<[cloudwatch.Metric, string, number]>,
  ): void {
    const group: CustomMetricGroup = {
      title: name,
      metrics: metrics.map(([metric, alarmFriendlyName, threshold]) => ({
        metric,
        alarmFriendlyName,
        addAlarm: {
          Critical: {
            threshold,
            comparisonOperator: GTE,
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        },
      })),
    };
    this.alarmsFor(
      kind,
      construct,
      () => this.facade.monitorCustom({ alarmFriendlyName: name, metricGroups: [group] }),
      name,
    );
  }
}

/** CloudWatch's own statistics; anything else (p99, tm90…) is an extended statistic. */
const STATISTICS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);

/**
 * An alarm on one metric written as `Metrics: [{ MetricStat, ReturnData }]` (how CDK renders a
 * metric with a label) rewritten with `MetricName`, `Namespace`, `Dimensions`, `Period` and
 * `Statistic` / `ExtendedStatistic`: the same alarm on AWS, and the form every CloudFormation
 * implementation provisions. Alarms on metric math are left as they are.
 */
export function singleMetricForm(cfn: cloudwatch.CfnAlarm): void {
  const metrics = cfn.metrics;
  if (!Array.isArray(metrics) || metrics.length !== 1) return;
  const only = metrics[0] as cloudwatch.CfnAlarm.MetricDataQueryProperty;
  const stat = only.metricStat as cloudwatch.CfnAlarm.MetricStatProperty | undefined;
  if (only.expression !== undefined || stat === undefined) return;
  const metric = stat.metric as cloudwatch.CfnAlarm.MetricProperty;
  cfn.metrics = undefined;
  cfn.metricName = metric.metricName;
  cfn.namespace = metric.namespace;
  cfn.dimensions = metric.dimensions;
  cfn.period = stat.period;
  cfn.unit = stat.unit;
  if (STATISTICS.has(stat.stat)) cfn.statistic = stat.stat;
  else cfn.extendedStatistic = stat.stat;
}
