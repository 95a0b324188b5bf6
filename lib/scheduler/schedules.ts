/**
 * EventBridge Scheduler one-time schedules for intents: `at(run_at)` in UTC, no flexible
 * window, deleted after completion, a target with a retry policy and a dead-letter queue.
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { schedulerClient } from '../aws/clients.ts';
import { errorName } from '../aws/errors.ts';
import { atExpression } from './names.ts';

export interface ScheduleTarget {
  /** Schedule group of the environment. */
  group: string;
  /** ARN of the Lambda that executes intents. */
  targetArn: string;
  /** Role EventBridge Scheduler assumes to invoke the target. */
  roleArn: string;
  /** Dead-letter queue for invocations that fail after the retries. */
  dlqArn: string;
}

/** What the scheduler needs from a schedule API (a fake in unit tests). */
export interface Schedules {
  /** Create the schedule, or replace it if one of that name exists. */
  upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void>;
  /** Delete the schedule; one already gone is fine. */
  remove(name: string): Promise<void>;
}

export const TARGET_RETRIES = 3;

export class EventBridgeSchedules implements Schedules {
  constructor(
    private readonly target: ScheduleTarget,
    private readonly client: SchedulerClient = schedulerClient(),
  ) {}

  async upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void> {
    const request: CreateScheduleCommandInput = {
      Name: name,
      GroupName: this.target.group,
      ScheduleExpression: atExpression(runAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.target.targetArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify(input),
        RetryPolicy: { MaximumRetryAttempts: TARGET_RETRIES, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: this.target.dlqArn },
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(request));
    } catch (e) {
      if (errorName(e) !== 'ConflictException') throw e;
      await this.client.send(new UpdateScheduleCommand(request));
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.target.group }));
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return;
      throw e;
    }
  }
}
