import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { fromEnvironment, RefreshingCredentials } from '../../../lib/broadcast/credentials.ts';
import { PostError, SignedPoster } from '../../../lib/broadcast/signed-post.ts';

/** The SDK client's own SHA-256 implementation (what its signer hashes with). */
const Sha256 = new ApiGatewayManagementApiClient({ region: 'us-east-1' }).config.sha256;

const AT = Date.UTC(2026, 5, 1, 12, 34, 56, 789);
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const session = { ...creds, sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH+token=' };

/** What the SDK's own signer (`SignatureV4` with the SDK's hashing) makes of the same request. */
async function sdkSigned(
  poster: SignedPoster,
  request: Awaited<ReturnType<SignedPoster['sign']>>,
  credentials: typeof creds | typeof session,
) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: poster.region,
    sha256: Sha256,
    credentials,
  });
  const {
    authorization: _a,
    'x-amz-date': _d,
    'x-amz-security-token': _t,
    'x-amz-content-sha256': _h,
    ...unsigned
  } = request.headers;
  const out = await signer.sign({ ...request, headers: unsigned }, { signingDate: new Date(AT) });
  return out.headers as Record<string, string>;
}

describe('SignedPoster signing', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/live', 'L0SM9cOFvHcCIhw=', creds],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/live', 'a+b/c=', session],
    ['http://127.0.0.1:4566/_aws/execute-api/abc123/$default', "it's (odd)*!", session],
  ])('equals SignatureV4 for %s, connection %s', async (endpoint, connectionId, credentials) => {
    const poster = new SignedPoster(endpoint, { credentials: () => credentials });
    const body = Buffer.from('{"type":"campaign.state","seq":1}');
    const ours = await poster.sign(connectionId, body, AT);
    const sdk = await sdkSigned(poster, ours, credentials);
    expect(ours.headers.authorization).toBe(sdk.authorization);
    expect(ours.headers['x-amz-date']).toBe(sdk['x-amz-date']);
    expect(ours.headers['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
    // Twice: the cached payload hash, date and signing key give the same result.
    expect((await poster.sign(connectionId, body, AT)).headers.authorization).toBe(sdk.authorization);
    poster.close();
  });

  it('addresses the same operation as the SDK client (method, host, path, body)', async () => {
    const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com/live';
    const client = new ApiGatewayManagementApiClient({ endpoint, region: 'eu-west-1', credentials: creds });
    let sent: { method: string; hostname: string; path: string; body: unknown } | undefined;
    client.middlewareStack.add(
      () => async (args) => {
        sent = args.request as typeof sent;
        throw new Error('captured');
      },
      { step: 'deserialize', name: 'capture' },
    );
    await expect(
      client.send(new PostToConnectionCommand({ ConnectionId: 'L0SM9cOFvHcCIhw=', Data: 'hi' })),
    ).rejects.toThrow('captured');
    const ours = await new SignedPoster(endpoint, { credentials: () => creds }).sign(
      'L0SM9cOFvHcCIhw=',
      'hi',
      AT,
    );
    expect({ method: ours.method, hostname: ours.hostname, path: ours.path }).toEqual({
      method: sent?.method,
      hostname: sent?.hostname,
      path: sent?.path,
    });
    expect(Buffer.from(ours.body).toString()).toBe(Buffer.from(sent?.body as Uint8Array).toString());
  });

  it('signs with a new key when the day or the credentials change', async () => {
    let current: typeof creds | typeof session = creds;
    const poster = new SignedPoster('https://x.execute-api.us-east-1.amazonaws.com/live', {
      credentials: () => current,
    });
    const body = Buffer.from('x');
    const nextDay = AT + 86_400_000;
    const ours = await poster.sign('c', body, nextDay);
    const sdk = new SignatureV4({
      service: 'execute-api',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: creds,
    });
    const { authorization: _a, 'x-amz-date': _d, 'x-amz-content-sha256': _h, ...unsigned } = ours.headers;
    const expected = await sdk.sign({ ...ours, headers: unsigned }, { signingDate: new Date(nextDay) });
    expect(ours.headers.authorization).toBe(expected.headers.authorization);
    current = session;
    // Cached credentials: the poster keeps the first ones until they are due for a refresh.
    expect((await poster.sign('c', body, nextDay)).headers['x-amz-security-token']).toBeUndefined();
  });
});

describe('RefreshingCredentials', () => {
  it('refreshes ahead of expiration in the background and keeps serving the current ones', async () => {
    let now = 0;
    let version = 0;
    let release: (() => void) | undefined;
    const source = async () => {
      version += 1;
      const v = version;
      if (v > 1) await new Promise<void>((r) => (release = r));
      return { accessKeyId: `k${v}`, secretAccessKey: 's', expiration: new Date(now + 60 * 60_000) };
    };
    const c = new RefreshingCredentials(source, { refreshBeforeMs: 5 * 60_000, now: () => now });
    expect((await c.get()).accessKeyId).toBe('k1');
    now = 56 * 60_000; // within 5 min of expiry: refresh starts, old ones still served
    expect((c.get() as { accessKeyId: string }).accessKeyId).toBe('k1');
    expect(c.refreshes).toBe(2);
    expect((c.get() as { accessKeyId: string }).accessKeyId).toBe('k1'); // one refresh at a time
    expect(c.refreshes).toBe(2);
    release?.();
    await new Promise((r) => setImmediate(r));
    expect((await c.get()).accessKeyId).toBe('k2');
  });

  it('waits for new credentials once the current ones have expired', async () => {
    let now = 0;
    let n = 0;
    const c = new RefreshingCredentials(
      () => ({ accessKeyId: `k${++n}`, secretAccessKey: 's', expiration: new Date(now + 1000) }),
      { refreshBeforeMs: 0, now: () => now },
    );
    expect((await c.get()).accessKeyId).toBe('k1');
    now = 2000;
    expect((await c.get()).accessKeyId).toBe('k2');
  });

  it('reads the environment, and names what is missing', () => {
    expect(() => fromEnvironment({})()).toThrow(/AWS_ACCESS_KEY_ID/);
    expect(
      fromEnvironment({
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 'b',
        AWS_SESSION_TOKEN: 't',
        AWS_CREDENTIAL_EXPIRATION: '2026-06-01T13:00:00Z',
      })(),
    ).toEqual({
      accessKeyId: 'a',
      secretAccessKey: 'b',
      sessionToken: 't',
      expiration: new Date('2026-06-01T13:00:00Z'),
    });
  });
});

describe('SignedPoster over HTTP', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  });

  async function standIn(
    answer: (req: IncomingMessage, res: ServerResponse, id: string) => void,
  ): Promise<string> {
    server = createServer((req, res) => {
      req.resume();
      const id = decodeURIComponent((req.url ?? '').split('/@connections/')[1] ?? '');
      req.on('end', () => answer(req, res, id));
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/live`;
  }

  it("maps 200 → 'ok', 410 → 'gone', 429 → 'throttled', 500 → PostError, and signs every request", async () => {
    const seen: string[] = [];
    const endpoint = await standIn((req, res, id) => {
      seen.push(`${id} ${String(req.headers.authorization).slice(0, 16)}`);
      const status = { gone: 410, busy: 429, boom: 500 }[id] ?? 200;
      const body = status === 429 ? '{"message":"Too Many Requests"}' : '';
      res.writeHead(status, status === 429 ? { 'x-amzn-errortype': 'LimitExceededException' } : {});
      res.end(body);
    });
    const poster = new SignedPoster(endpoint, { credentials: () => creds });
    expect(await poster.post('ok1', 'a')).toBe('ok');
    expect(await poster.post('gone', 'a')).toBe('gone');
    expect(await poster.post('busy', 'a')).toBe('throttled');
    await expect(poster.post('boom', 'a')).rejects.toMatchObject({ name: 'PostError', statusCode: 500 });
    expect(seen).toEqual([
      'ok1 AWS4-HMAC-SHA256',
      'gone AWS4-HMAC-SHA256',
      'busy AWS4-HMAC-SHA256',
      'boom AWS4-HMAC-SHA256',
    ]);
    poster.close();
  });

  it('fails a post that gets no answer within the request timeout, once (no retry)', async () => {
    let requests = 0;
    const endpoint = await standIn(() => {
      requests += 1; // never answers
    });
    const poster = new SignedPoster(endpoint, { credentials: () => creds, requestTimeoutMs: 100 });
    const error = await poster.post('hang', 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostError);
    expect(error).toMatchObject({ code: 'RequestTimeout' });
    expect(requests).toBe(1);
    poster.close();
  });

  it('fails only the affected post when the server resets the socket', async () => {
    const endpoint = await standIn((req, res, id) => {
      if (id === 'reset') req.socket.destroy();
      else res.end();
    });
    const poster = new SignedPoster(endpoint, { credentials: () => creds });
    const results = await Promise.allSettled([poster.post('reset', 'a'), poster.post('fine', 'a')]);
    expect(results[0]?.status).toBe('rejected');
    expect(results[1]).toEqual({ status: 'fulfilled', value: 'ok' });
    poster.close();
  });
});
