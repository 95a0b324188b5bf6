/**
 * The scheduler's horizon (docs/scheduler.md "The horizon"): how far ahead of `run_at` an
 * intent's EventBridge Scheduler schedule is made, and the rule that runs the materializer
 * (`{ kind: 'scheduler.materialize' }` to the scheduler function) every few minutes.
 *
 * Per stack, from CDK context: `schedulerHorizon` (ISO 8601 duration of days, hours, minutes,
 * seconds) and `materializerMinutes` (the rule's rate). Defaults: 7 days every 5 minutes on a
 * production stack; 2 minutes every minute on an ephemeral one (dev, test, local, ci), so the
 * deferral is seen locally. The horizon must be at least twice the rate, so an intent entering
 * it gets its schedule well before it is due.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { addDuration } from '../../lib/policy/duration.ts';

export interface HorizonSettings {
  /** ISO 8601 duration, e.g. `P7D`. */
  horizon: string;
  materializerMinutes: number;
}

/** The settings of a stack: its context's, else the defaults of its kind (ephemeral or not). */
export function horizonSettings(
  context: { horizon?: unknown; materializerMinutes?: unknown },
  ephemeral: boolean,
): HorizonSettings {
  const horizon = String(context.horizon ?? (ephemeral ? 'PT2M' : 'P7D'));
  const minutes = Number(context.materializerMinutes ?? (ephemeral ? 1 : 5));
  if (!/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(horizon))
    throw new Error(
      `CDK context schedulerHorizon "${horizon}" must be an ISO 8601 duration such as P7D or PT2M`,
    );
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60)
    throw new Error(
      `CDK context materializerMinutes "${context.materializerMinutes}" must be a whole number of minutes, 1 to 60`,
    );
  const horizonMs = addDuration(new Date(0), horizon).getTime();
  if (horizonMs < 2 * minutes * 60_000)
    throw new Error(
      `CDK context schedulerHorizon ${horizon} must be at least twice materializerMinutes (${minutes} min): an intent entering it must get its schedule before it is due`,
    );
  return { horizon, materializerMinutes: minutes };
}

export interface MaterializerProps {
  fn: lambda.IFunction;
  settings: HorizonSettings;
}

/** The rule that runs the materializer every `materializerMinutes`. */
export class Materializer extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: MaterializerProps) {
    super(scope, id);
    const minutes = props.settings.materializerMinutes;
    this.rule = new events.Rule(this, 'Rule', {
      description: `Scheduler materializer: schedules for deferred intents entering the ${props.settings.horizon} horizon`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [
        new targets.LambdaFunction(props.fn, {
          event: events.RuleTargetInput.fromObject({ kind: 'scheduler.materialize' }),
          retryAttempts: 2,
          maxEventAge: Duration.minutes(minutes),
        }),
      ],
    });
  }
}
