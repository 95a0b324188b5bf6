/**
 * EventBridge Scheduler one-time schedules for intents: `at(run_at)` in UTC, no flexible
 * window, deleted after completion, a target with a retry policy and a dead-letter queue.
 *
 * Three REST-JSON operations (CreateSchedule, UpdateSchedule, DeleteSchedule) sent as signed
 * requests (lib/aws/signed-request.ts), not through `@aws-sdk/client-scheduler`: the client and
 * its REST-JSON protocol cost the scheduler bundle 32.5 KB for these three calls, and that
 * bundle sits at the 400 KB cap. `test/unit/scheduler/schedules.test.ts` checks every request
 * against what the SDK client sends for the same input.
 */
import { randomUUID } from 'node:crypto';
import { callError, type SignedTarget, sendSigned, withRetries } from '../aws/signed-request.ts';
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

/** What the scheduler needs from a schedule API (a fake in unit tests, a model in the bench). */
export interface Schedules {
  /** Create the schedule, or replace it if one of that name exists. */
  upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void>;
  /** Delete the schedule; one already gone is fine. */
  remove(name: string): Promise<void>;
}

export const TARGET_RETRIES = 3;

const API = { service: 'scheduler', endpointPrefix: 'scheduler', envId: 'SCHEDULER' } as const;
const path = (name: string) => `/schedules/${encodeURIComponent(name)}`;

export class EventBridgeSchedules implements Schedules {
  constructor(
    private readonly target: ScheduleTarget,
    /** Endpoint, region and credentials (default: the process's, as an SDK client). */
    private readonly via: SignedTarget = {},
  ) {}

  /** The CreateSchedule/UpdateSchedule body (the name travels in the path). */
  request(runAt: Date, input: Record<string, unknown>): Record<string, unknown> {
    return {
      ActionAfterCompletion: 'DELETE',
      ClientToken: randomUUID(),
      FlexibleTimeWindow: { Mode: 'OFF' },
      GroupName: this.target.group,
      ScheduleExpression: atExpression(runAt),
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: {
        Arn: this.target.targetArn,
        DeadLetterConfig: { Arn: this.target.dlqArn },
        Input: JSON.stringify(input),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: TARGET_RETRIES },
        RoleArn: this.target.roleArn,
      },
    };
  }

  async upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(this.request(runAt, input));
    const put = (method: 'POST' | 'PUT') =>
      withRetries(async () => {
        const res = await sendSigned(
          { ...API, method, path: path(name), headers: { 'content-type': 'application/json' }, body },
          this.via,
        );
        if (res.status !== 200) throw callError(res);
      });
    try {
      await put('POST');
    } catch (e) {
      if ((e as { type?: string }).type !== 'ConflictException') throw e;
      await put('PUT');
    }
  }

  async remove(name: string): Promise<void> {
    const query = { clientToken: randomUUID(), groupName: this.target.group };
    await withRetries(async () => {
      const res = await sendSigned({ ...API, method: 'DELETE', path: path(name), query }, this.via);
      if (res.status === 200 || res.status === 404) return;
      const e = callError(res);
      if (e.type !== 'ResourceNotFoundException') throw e;
    });
  }
}
