/**
 * The scheduler's EventBridge Scheduler calls (lib/scheduler/schedules.ts) are signed requests,
 * not the SDK client: each must be the request the SDK client sends for the same input (method,
 * path, query, JSON body; only the generated client tokens differ), and the answers mean what
 * the client's would (409 → update, 404 on delete → gone already, 5xx retried, 4xx thrown).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../lib/aws/signed-request.ts';
import { EventBridgeSchedules, TARGET_RETRIES } from '../../../lib/scheduler/schedules.ts';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
/** Status and error type to answer, in order (then 200). */
let answers: Array<[number, string?]> = [];
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const target = {
  group: 'tempora-test',
  targetArn: 'arn:aws:lambda:eu-west-1:000000000000:function:tempora-test-scheduler',
  roleArn: 'arn:aws:iam::000000000000:role/invoke',
  dlqArn: 'arn:aws:sqs:eu-west-1:000000000000:dlq',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      });
      const [status, type] = answers.shift() ?? [200];
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(type
          ? { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.chronos/` }
          : {}),
      });
      res.end(JSON.stringify(type ? { Message: `${type} happened` } : { ScheduleArn: 'arn:x' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});
beforeEach(() => {
  seen = [];
  answers = [];
});

const ours = () => new EventBridgeSchedules(target, { endpoint, region: 'eu-west-1', credentials });
const sdk = () => new SchedulerClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
const runAt = new Date('2030-01-02T03:04:05.678Z');
const input = { kind: 'scheduler.fire', intent_id: 'int_1', generation: 2 };
const withoutTokens = (s: Seen) => ({
  method: s.method,
  path: s.path,
  query: { ...s.query, clientToken: typeof s.query.clientToken },
  body: s.body && { ...s.body, ClientToken: typeof s.body.ClientToken },
});

describe('EventBridgeSchedules, as the SDK client', () => {
  it('creates with the request CreateScheduleCommand sends, signed for the scheduler service', async () => {
    await ours().upsert('test-int_1.2', runAt, input);
    const sdkInput = { Name: 'test-int_1.2', ...ours().request(runAt, input) };
    delete (sdkInput as { ClientToken?: string }).ClientToken;
    await sdk().send(new CreateScheduleCommand(sdkInput as never));
    const [mine, theirs] = seen as [Seen, Seen];
    expect(withoutTokens(mine)).toEqual(withoutTokens(theirs));
    expect(mine).toMatchObject({ method: 'POST', path: '/schedules/test-int_1.2' });
    expect(mine.body).toMatchObject({
      ScheduleExpression: 'at(2030-01-02T03:04:06)', // 05.678 rounded up: never before run_at
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      GroupName: 'tempora-test',
      Target: { Input: JSON.stringify(input), RetryPolicy: { MaximumRetryAttempts: TARGET_RETRIES } },
    });
    expect(mine.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/scheduler\/aws4_request, /,
    );
  });

  it('updates (PUT, as UpdateScheduleCommand) when the schedule exists (409)', async () => {
    answers = [[409, 'ConflictException']];
    await ours().upsert('test-int_1.2', runAt, input);
    const sdkInput = { Name: 'test-int_1.2', ...ours().request(runAt, input) };
    delete (sdkInput as { ClientToken?: string }).ClientToken;
    await sdk().send(new UpdateScheduleCommand(sdkInput as never));
    const [create, update, theirs] = seen as [Seen, Seen, Seen];
    expect(create.method).toBe('POST');
    expect(withoutTokens(update)).toEqual(withoutTokens(theirs));
    expect(update.method).toBe('PUT');
  });

  it('deletes with the request DeleteScheduleCommand sends; one already gone (404) is fine', async () => {
    answers = [[404, 'ResourceNotFoundException']];
    await ours().remove('test-int_1.2');
    await sdk().send(new DeleteScheduleCommand({ Name: 'test-int_1.2', GroupName: 'tempora-test' }));
    const [mine, theirs] = seen as [Seen, Seen];
    expect(withoutTokens(mine)).toEqual(withoutTokens(theirs));
    expect(mine).toMatchObject({ method: 'DELETE', query: { groupName: 'tempora-test' } });
  });

  it('retries throttling and 5xx with the same client token, then succeeds', async () => {
    answers = [
      [429, 'ThrottlingException'],
      [500, 'InternalServerException'],
    ];
    await ours().remove('test-int_1.2');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.query.clientToken)).size).toBe(1);
  });

  it('throws a verdict (4xx) at once, naming the error type', async () => {
    answers = [[400, 'ValidationException']];
    const e = await ours()
      .upsert('test-int_1.2', runAt, input)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AwsCallError);
    expect(e).toMatchObject({ type: 'ValidationException', statusCode: 400 });
    expect(seen).toHaveLength(1);
  });
});
