import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import {
  isGoneError,
  managementApiClient,
  managementApiPoster,
  managementEndpoint,
  regionOfEndpoint,
} from '../../lib/broadcast/management-api.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let endpointCounter = 0;
/** A fresh endpoint per test, so each test gets its own client (clients are cached per endpoint). */
const freshEndpoint = (): string =>
  `https://api${++endpointCounter}.execute-api.eu-west-1.amazonaws.com/prod`;

/**
 * Short-circuit the client's middleware stack before anything is sent: no network.
 * `reply` decides each post's outcome from its connection id.
 */
function stubClient(endpoint: string, reply: (connectionId: string) => unknown): string[] {
  const seen: string[] = [];
  managementApiClient(endpoint, { credentials }).middlewareStack.add(
    () => async (args) => {
      const input = args.input as { ConnectionId?: string };
      const id = input.ConnectionId ?? '';
      seen.push(id);
      const outcome = reply(id);
      if (outcome instanceof Error) throw outcome;
      return { response: {}, output: { $metadata: { httpStatusCode: 200 } } };
    },
    { step: 'initialize', name: 'testStub' },
  );
  return seen;
}

describe('managementApiPoster', () => {
  it("maps 200 to 'ok', GoneException to 'gone', and rethrows other errors", async () => {
    const endpoint = freshEndpoint();
    const boom = Object.assign(new Error('throttled'), { name: 'LimitExceededException' });
    const seen = stubClient(endpoint, (id) => {
      if (id === 'gone') return new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } });
      if (id === 'boom') return boom;
      return undefined;
    });
    const post = managementApiPoster(endpoint);
    await expect(post('alive', '{"type":"campaign.state"}')).resolves.toBe('ok');
    await expect(post('gone', new Uint8Array([1]))).resolves.toBe('gone');
    await expect(post('boom', 'x')).rejects.toBe(boom);
    expect(seen).toEqual(['alive', 'gone', 'boom']);
  });

  it('creates one client per endpoint, with the region of the endpoint and no retries', async () => {
    const endpoint = freshEndpoint();
    const a = managementApiClient(endpoint, { credentials });
    const b = managementApiClient(`${endpoint}/`);
    expect(a).toBe(b);
    expect(managementApiClient(freshEndpoint(), { credentials })).not.toBe(a);
    await expect(a.config.region()).resolves.toBe('eu-west-1');
    await expect(a.config.maxAttempts()).resolves.toBe(1);
    expect(new PostToConnectionCommand({ ConnectionId: 'x', Data: 'y' }).input.ConnectionId).toBe('x');
  });
});

describe('helpers', () => {
  it('recognizes gone errors by class, name or status', () => {
    expect(isGoneError(new GoneException({ message: 'gone', $metadata: {} }))).toBe(true);
    expect(isGoneError(Object.assign(new Error('x'), { name: 'GoneException' }))).toBe(true);
    expect(isGoneError({ $metadata: { httpStatusCode: 410 } })).toBe(true);
    expect(isGoneError({ statusCode: 410 })).toBe(true);
    expect(isGoneError({ $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(isGoneError(new Error('nope'))).toBe(false);
    expect(isGoneError(null)).toBe(false);
    expect(isGoneError('GoneException')).toBe(false);
  });

  it('derives the management endpoint and region from WebSocket URLs', () => {
    expect(managementEndpoint('wss://abc.execute-api.us-east-2.amazonaws.com/prod/')).toBe(
      'https://abc.execute-api.us-east-2.amazonaws.com/prod',
    );
    expect(managementEndpoint('ws://127.0.0.1:4510/local')).toBe('http://127.0.0.1:4510/local');
    expect(regionOfEndpoint('https://abc.execute-api.us-east-2.amazonaws.com/prod')).toBe('us-east-2');
    expect(regionOfEndpoint('http://127.0.0.1:4510')).toBeUndefined();
  });
});
