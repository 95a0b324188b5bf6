/**
 * The ticker's Step Functions calls (lib/broadcast/machine.ts) are signed requests, not the SDK
 * client: each must be the request the SDK client sends for the same input (JSON 1.0 body, target
 * header, signed for `states`), and the answers mean what the client's would (an existing name →
 * 'exists', a stopped or unknown execution → 'not_running' / MISSING, 5xx retried, other 4xx thrown).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../lib/aws/signed-request.ts';
import { executionArn, StepFunctionsTicker, type TickInput } from '../../../lib/broadcast/machine.ts';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
/** Status, error type and body to answer, in order (then 200 `{}`). */
let answers: Array<[number, string?, Record<string, unknown>?]> = [];
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const machineArn = 'arn:aws:states:eu-west-1:000000000000:stateMachine:tempora-test-ticker';

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      seen.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(text) as Record<string, unknown>,
      });
      const [status, type, body] = answers.shift() ?? [200];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify(
          type ? { __type: `com.amazonaws.swf.service.v2.model#${type}`, message: type } : (body ?? {}),
        ),
      );
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

const ours = () => new StepFunctionsTicker(machineArn, { endpoint, region: 'eu-west-1', credentials });
const sdk = () => new SFNClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
const input: TickInput = {
  kind: 'broadcast.tick',
  campaign_id: 'cmp_1',
  execution: 'cmp_1-e1-g1',
  epoch: 1,
  generation: 1,
  seq: 0,
  iterations: 0,
  announced: false,
};
const request = (s: Seen) => ({
  path: s.path,
  target: s.headers['x-amz-target'],
  type: s.headers['content-type'],
  body: s.body,
});

describe('StepFunctionsTicker, as the SDK client', () => {
  it('starts with the request StartExecutionCommand sends, signed for states', async () => {
    expect(await ours().start('cmp_1-e1-g1', input)).toBe('started');
    await sdk().send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'cmp_1-e1-g1',
        input: JSON.stringify(input),
      }),
    );
    const [mine, theirs] = seen as [Seen, Seen];
    expect(request(mine)).toEqual(request(theirs));
    expect(mine.headers['x-amz-target']).toBe('AWSStepFunctions.StartExecution');
    expect(mine.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/states\/aws4_request, /,
    );
  });

  it('an execution of that name already there is "exists"', async () => {
    answers = [[400, 'ExecutionAlreadyExists']];
    expect(await ours().start('cmp_1-e1-g1', input)).toBe('exists');
    expect(seen).toHaveLength(1);
  });

  it('stops with the request StopExecutionCommand sends; one not running is "not_running"', async () => {
    expect(await ours().stop('cmp_1-e1-g1', 'x'.repeat(300))).toBe('stopped');
    await sdk().send(
      new StopExecutionCommand({
        executionArn: executionArn(machineArn, 'cmp_1-e1-g1'),
        error: 'BroadcastStopped',
        cause: 'x'.repeat(256),
      }),
    );
    const [mine, theirs] = seen as [Seen, Seen];
    expect(request(mine)).toEqual(request(theirs));
    answers = [[400, 'ExecutionDoesNotExist']];
    expect(await ours().stop('cmp_1-e1-g1', 'again')).toBe('not_running');
  });

  it('describes with the request DescribeExecutionCommand sends and reads its status', async () => {
    answers = [[200, undefined, { status: 'RUNNING' }]];
    expect(await ours().status('cmp_1-e1-g1')).toBe('RUNNING');
    await sdk().send(new DescribeExecutionCommand({ executionArn: executionArn(machineArn, 'cmp_1-e1-g1') }));
    const [mine, theirs] = seen as [Seen, Seen];
    expect(request(mine)).toEqual(request(theirs));
    answers = [[400, 'ExecutionDoesNotExist']];
    expect(await ours().status('cmp_1-e1-g1')).toBe('MISSING');
  });

  it('retries throttling and 5xx, then succeeds; throws any other verdict naming its type', async () => {
    answers = [
      [400, 'ThrottlingException'],
      [500, 'ServiceUnavailable'],
    ];
    expect(await ours().start('cmp_1-e1-g1', input)).toBe('started');
    expect(seen).toHaveLength(3);
    answers = [[400, 'InvalidExecutionInput']];
    const e = await ours()
      .start('cmp_1-e1-g1', input)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AwsCallError);
    expect(e).toMatchObject({ type: 'InvalidExecutionInput', statusCode: 400 });
  });
});
