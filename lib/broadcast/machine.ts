/**
 * The ticker state machine as the controller and the ticker see it: start an execution by
 * its deterministic name, stop it, ask whether it runs. Execution ARNs are derived from the
 * state machine ARN and the name, so nothing needs to remember them.
 */
import {
  AwsCallError,
  callError,
  type SignedTarget,
  sendSigned,
  withRetries,
} from '../aws/signed-request.ts';

/** Input (and output) of the ticker's Task state: one tick burst. */
export interface TickInput {
  kind: 'broadcast.tick';
  campaign_id: string;
  /** Name of the execution this burst belongs to (the ticker item must name it). */
  execution: string;
  epoch: number;
  generation: number;
  /** Sequence number of the next frame. */
  seq: number;
  /** Bursts run by this execution so far. */
  iterations: number;
  /** Whether `broadcast.started` was sent for this epoch. */
  announced: boolean;
  /**
   * When the next tick is due (epoch ms), so the schedule carries over from one burst to
   * the next without drift: the next burst waits for it, or ticks at once when it is past.
   */
  next_tick_at?: number;
  /**
   * Frames WebSocket connections did not get at the end of the previous burst, by connection
   * (at most {@link MAX_CARRIED_MISSED}): their next frame's `missed` counts them too.
   */
  missed?: Record<string, number>;
  /** Present when this execution serves one shard of the campaign's connections (not the owner). */
  shard?: ShardPlan;
}

/** At most this many connections' missed counts carry over to the next burst (the rest start at 0). */
export const MAX_CARRIED_MISSED = 500;

/**
 * One shard's part of a plan made by the campaign's owning execution: serve shard `index`
 * of `count` on the schedule `anchor_at` + k / `hz` (epoch ms), tick k carrying seq `seq` + k,
 * until `ends_at`.
 */
export interface ShardPlan {
  index: number;
  count: number;
  /** Plan id: a new one for every plan the owner makes. */
  plan: string;
  /** The execution that owns the campaign (named in the ticker item). */
  owner: string;
  anchor_at: number;
  seq: number;
  hz: number;
  ends_at: number;
}

/** What a burst returns: the next burst's input, and whether the state machine loops. */
export interface TickOutput extends TickInput {
  continue: boolean;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'MISSING';

export interface TickerMachine {
  /** Start execution `name`; 'exists' when an execution of that name already exists (any status). */
  start(name: string, input: TickInput): Promise<'started' | 'exists'>;
  /** Stop execution `name`; 'not_running' when it had ended already or never existed. */
  stop(name: string, cause: string): Promise<'stopped' | 'not_running'>;
  status(name: string): Promise<ExecutionStatus>;
}

/** Execution ARN of `name` under a state machine ARN. */
export function executionArn(stateMachineArn: string, name: string): string {
  const m = /^(arn:[^:]+:states:[^:]*:[^:]*:)stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!m) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${m[1]}execution:${m[2]}:${name}`;
}

const API = { service: 'states', endpointPrefix: 'states', envId: 'SFN' } as const;

/**
 * The ticker state machine over Step Functions' JSON API (awsJson1_0): three operations sent as
 * signed requests (lib/aws/signed-request.ts) rather than through `@aws-sdk/client-sfn`, whose
 * client and protocol cost the broadcast and ticker bundles 23 KB each for these three calls
 * (the broadcast bundle sits at the 400 KB cap). `test/unit/broadcast/machine.test.ts` checks
 * every request against what the SDK client sends for the same input.
 */
export class StepFunctionsTicker implements TickerMachine {
  constructor(
    private readonly stateMachineArn: string,
    /** Endpoint, region and credentials (default: the process's, as an SDK client). */
    private readonly via: SignedTarget = {},
  ) {}

  private call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = JSON.stringify(input);
    return withRetries(async () => {
      const res = await sendSigned(
        {
          ...API,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AWSStepFunctions.${operation}`,
          },
          body,
        },
        this.via,
      );
      if (res.status !== 200) throw callError(res);
      return res.text ? (JSON.parse(res.text) as Record<string, unknown>) : {};
    });
  }

  async start(name: string, input: TickInput): Promise<'started' | 'exists'> {
    try {
      await this.call('StartExecution', {
        stateMachineArn: this.stateMachineArn,
        name,
        input: JSON.stringify(input),
      });
      return 'started';
    } catch (e) {
      if (errorType(e) === 'ExecutionAlreadyExists') return 'exists';
      throw e;
    }
  }

  async stop(name: string, cause: string): Promise<'stopped' | 'not_running'> {
    try {
      await this.call('StopExecution', {
        executionArn: executionArn(this.stateMachineArn, name),
        error: 'BroadcastStopped',
        cause: cause.slice(0, 256),
      });
      return 'stopped';
    } catch (e) {
      // Not running any more (ended on its own, or stopped by a concurrent call) or never started.
      if (['ExecutionDoesNotExist', 'ValidationException'].includes(errorType(e))) return 'not_running';
      throw e;
    }
  }

  async status(name: string): Promise<ExecutionStatus> {
    try {
      const out = await this.call('DescribeExecution', {
        executionArn: executionArn(this.stateMachineArn, name),
      });
      return (typeof out.status === 'string' ? out.status : 'MISSING') as ExecutionStatus;
    } catch (e) {
      if (errorType(e) === 'ExecutionDoesNotExist') return 'MISSING';
      throw e;
    }
  }
}

const errorType = (e: unknown): string => (e instanceof AwsCallError ? e.type : '');
