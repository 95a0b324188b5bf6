import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Powertools reads its configuration when lib/observability.ts is first imported, so the
// environment has to be set before the (hoisted) imports below run.
const savedEnv = vi.hoisted(() => {
  const quiet: Record<string, string> = {
    POWERTOOLS_METRICS_DISABLED: 'true', // Metrics: no EMF blobs on stdout
    POWERTOOLS_LOG_LEVEL: 'SILENT', // Logger: keep test output clean
    // Metrics still warns "No application metrics to publish" when disabled; in dev mode
    // Powertools writes through the global console, where the test filters that line.
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_SERVICE_NAME: 'unit-test',
  };
  const saved = Object.fromEntries(Object.keys(quiet).map((k) => [k, process.env[k]]));
  Object.assign(process.env, quiet);
  return saved;
});

import { SourceUnavailable } from '../../../lib/auth/refreshing.ts';
import { mintToken } from '../../../lib/auth/tokens.ts';
import { conflict, TemporaError } from '../../../lib/errors.ts';
import { type HttpRequest, httpHandler, MAX_BODY_BYTES, type Routes } from '../../../lib/lambda-kit/http.ts';
import { json } from '../../../lib/lambda-kit/response.ts';
import { logger } from '../../../lib/observability.ts';
import type { RouteDefinition } from '../../../lib/registry/types.ts';
import { FakeIdp } from '../../kit/idp.ts';

const SECRET = 'middleware-test-signing-secret-0123456789';
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const SECRET_DETAIL = 'connect ECONNREFUSED 10.1.2.3:5432 password=hunter2';

/** What the echo route saw: enough to check what the middleware prepared. */
const echo = (req: HttpRequest) =>
  json(200, {
    principal: req.principal ?? null,
    body: req.body ?? null,
    correlationId: req.correlationId,
    headers: req.headers,
  });

const routes: Routes = {
  'GET /api/things/health': { public: true, handler: async (req) => echo(req) },
  'POST /api/things': { handler: async (req) => echo(req) },
  'POST /api/public-echo': { public: true, handler: async (req) => echo(req) },
  'GET /api/boom': {
    handler: async () => {
      throw new Error(SECRET_DETAIL);
    },
  },
  'GET /api/conflict': {
    handler: async () => {
      throw conflict('Version conflict on "t1"', { id: 't1', expected_version: 1, current_version: 2 });
    },
  },
  'GET /api/teapot': {
    public: true,
    handler: async () => {
      throw new TemporaError(418, 'teapot', 'I am a teapot');
    },
  },
};

/** The declarations of the test routes: public exactly where the routes say so. */
const declared: RouteDefinition[] = Object.entries(routes).map(([key, r]) => {
  const [method, path] = key.split(' ') as [RouteDefinition['method'], string];
  return { method, path, summary: key, ...(r.public ? { public: true } : {}) };
});

/** A stack trusting its own key SECRET and one identity provider (test/kit/idp.ts). */
const idp = await FakeIdp.start();
const handler = httpHandler(declared, routes, {
  auth: { verify: idp.verifier({ secret: SECRET }), cursorKey: async () => SECRET },
});

let seq = 0;
function event(
  routeKey: string,
  opts: {
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
    requestId?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', rawPath = '/'] = routeKey.split(' ');
  const requestId = opts.requestId ?? `req-${String(++seq).padStart(8, '0')}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: opts.headers ?? {},
    ...(opts.body === undefined ? {} : { body: opts.body }),
    isBase64Encoded: opts.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      domainName: 'api123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'api123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'vitest' },
      requestId,
      routeKey,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1735689600000,
    },
  };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'tempora-test-things',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tempora-test-things',
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: '/aws/lambda/tempora-test-things',
    logStreamName: '2025/01/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 15_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const invoke = (e: APIGatewayProxyEventV2) => handler(e, lambdaContext());
const bodyOf = (res: { body?: string }) => JSON.parse(res.body ?? 'null');
const jsonHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...extra,
});

let adminToken: string;
beforeEach(async () => {
  adminToken ??= await mintToken(SECRET, { sub: 'alice', role: 'admin' });
  const warn = console.warn.bind(console);
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).startsWith('No application metrics to publish')) warn(...args);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('routing', () => {
  it('answers an unknown routeKey with 404 in the contract error shape', async () => {
    const res = await invoke(event('GET /api/nope', { headers: { authorization: `Bearer ${adminToken}` } }));
    expect(res.statusCode).toBe(404);
    expect(res.headers?.['content-type']).toBe('application/json');
    const body = bodyOf(res);
    expect(body).toStrictEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(body.error.message).toContain('GET /api/nope');
  });

  it('routes by routeKey, not by path (same path, other method → 404)', async () => {
    const res = await invoke(event('DELETE /api/things/health'));
    expect(res.statusCode).toBe(404);
  });
});

describe('authentication', () => {
  it('serves a public route without a token', async () => {
    const res = await invoke(event('GET /api/things/health'));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).principal).toBeNull();
  });

  it('refuses a protected route without a token (401, contract shape)', async () => {
    const res = await invoke(event('POST /api/things', { headers: jsonHeaders(), body: '{}' }));
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res)).toStrictEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('refuses a protected route with a token signed by another key', async () => {
    const forged = await mintToken('some-other-secret-0123456789abcdefghij', {
      sub: 'mallory',
      role: 'admin',
    });
    const res = await invoke(
      event('POST /api/things', { headers: jsonHeaders({ authorization: `Bearer ${forged}` }), body: '{}' }),
    );
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('unauthorized');
  });

  it('refuses an expired token with "Token expired" and says so in WWW-Authenticate', async () => {
    const expired = await mintToken(SECRET, { sub: 'alice', role: 'admin' }, -120);
    const res = await invoke(event('POST /api/things', { headers: { authorization: `Bearer ${expired}` } }));
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.message).toBe('Token expired');
    expect(res.headers?.['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="Token expired"',
    );
  });

  it('hands an identity provider’s principal to the route, with its issuer', async () => {
    idp.nowMs = Date.now();
    const token = await idp.mint({ sub: 'u-7', groups: ['admins'] });
    const res = await invoke(
      event('POST /api/things', { headers: jsonHeaders({ authorization: `Bearer ${token}` }), body: '{}' }),
    );
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).principal).toStrictEqual({
      sub: 'u-7',
      role: 'admin',
      issuer: idp.issuer,
      expiresAt: expect.any(Number),
    });
  });

  it('refuses an identity provider’s token that maps to no role: 403 forbidden, rule role_mapping, before the route', async () => {
    idp.nowMs = Date.now();
    const token = await idp.mint({ groups: ['guests'] });
    const res = await invoke(
      event('POST /api/things', {
        headers: jsonHeaders({ authorization: `Bearer ${token}` }),
        body: '{oops',
      }),
    );
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error).toMatchObject({ code: 'forbidden', details: { rule: 'role_mapping' } });
    expect(res.headers?.['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
  });

  it('answers 503 with Retry-After when the stack’s key (the cursors’ key) cannot be read', async () => {
    const h = httpHandler(declared, routes, {
      auth: {
        verify: idp.verifier({ secret: SECRET }),
        cursorKey: async () => {
          throw new SourceUnavailable(3);
        },
      },
    });
    const res = await h(
      event('POST /api/things', {
        headers: jsonHeaders({ authorization: `Bearer ${adminToken}` }),
        body: '{}',
      }),
      lambdaContext(),
    );
    expect([res.statusCode, bodyOf(res).error.code, res.headers?.['retry-after']]).toEqual([
      503,
      'unavailable',
      '3',
    ]);
  });

  it('answers 503 with Retry-After when the identity provider’s keys cannot be fetched', async () => {
    const down = await FakeIdp.start();
    down.down = true;
    const h = httpHandler(declared, routes, {
      auth: { verify: down.verifier(), cursorKey: async () => SECRET },
    });
    const res = await h(
      event('POST /api/things', {
        headers: jsonHeaders({ authorization: `Bearer ${await down.mint()}` }),
        body: '{}',
      }),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('unavailable');
    expect(Number(res.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('accepts a capitalised Authorization header and hands the principal to the route', async () => {
    const res = await invoke(
      event('POST /api/things', {
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: '{"a":1}',
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).principal).toStrictEqual({
      sub: 'alice',
      role: 'admin',
      issuer: 'tempora',
      expiresAt: expect.any(Number),
    });
    expect(bodyOf(res).body).toStrictEqual({ a: 1 });
  });

  it('checks the token before the body (no token + malformed JSON → 401)', async () => {
    const res = await invoke(event('POST /api/things', { headers: jsonHeaders(), body: '{oops' }));
    expect(res.statusCode).toBe(401);
  });
});

describe('JSON body', () => {
  const authed = (extra: Record<string, string> = {}) =>
    jsonHeaders({ authorization: `Bearer ${adminToken}`, ...extra });

  it('rejects malformed JSON with 400 validation_failed', async () => {
    const res = await invoke(event('POST /api/things', { headers: authed(), body: '{"a":' }));
    expect(res.statusCode).toBe(400);
    const body = bodyOf(res);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toBe('Malformed JSON body');
    expect(body.error.details.issues).toHaveLength(1);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'rejects content-type %s with 415',
    async (type) => {
      const res = await invoke(
        event('POST /api/things', { headers: authed({ 'content-type': type }), body: '{"a":1}' }),
      );
      expect(res.statusCode).toBe(415);
      expect(bodyOf(res).error.code).toBe('unsupported_media_type');
    },
  );

  it('reads a capitalised Content-Type header (normalised before the check)', async () => {
    const bad = await invoke(
      event('POST /api/things', {
        headers: { authorization: `Bearer ${adminToken}`, 'Content-Type': 'text/plain' },
        body: '{"a":1}',
      }),
    );
    expect(bad.statusCode).toBe(415);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json'])(
    'accepts content-type %s',
    async (type) => {
      const res = await invoke(
        event('POST /api/things', { headers: authed({ 'content-type': type }), body: '{"a":1}' }),
      );
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res).body).toStrictEqual({ a: 1 });
    },
  );

  it('decodes a base64-encoded body', async () => {
    const payload = { name: 'Ünïcødé campaign', n: 3 };
    const res = await invoke(
      event('POST /api/things', {
        headers: authed(),
        body: Buffer.from(JSON.stringify(payload), 'utf8').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).body).toStrictEqual(payload);
  });

  it('leaves the body undefined when there is none', async () => {
    const res = await invoke(event('POST /api/things', { headers: authed() }));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).body).toBeNull();
  });

  it(`accepts a body of exactly MAX_BODY_BYTES (${MAX_BODY_BYTES})`, async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES - 10) });
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const res = await invoke(event('POST /api/things', { headers: authed(), body }));
    expect(res.statusCode).toBe(200);
  });

  it('rejects a body over MAX_BODY_BYTES with 413 and the limit in details', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES - 9) });
    const res = await invoke(event('POST /api/things', { headers: authed(), body }));
    expect(res.statusCode).toBe(413);
    expect(bodyOf(res).error).toMatchObject({
      code: 'payload_too_large',
      details: { limit: MAX_BODY_BYTES, size: MAX_BODY_BYTES + 1 },
    });
  });

  it('measures a base64 body by its decoded size', async () => {
    const raw = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES - 10) });
    const encoded = Buffer.from(raw).toString('base64');
    expect(encoded.length).toBeGreaterThan(MAX_BODY_BYTES);
    const res = await invoke(
      event('POST /api/things', { headers: authed(), body: encoded, isBase64Encoded: true }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('counts bytes, not characters, against the limit', async () => {
    // 3 bytes per "€": fewer characters than the limit, more bytes.
    const body = JSON.stringify({ pad: '€'.repeat(Math.ceil(MAX_BODY_BYTES / 3)) });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const res = await invoke(event('POST /api/things', { headers: authed(), body }));
    expect(res.statusCode).toBe(413);
  });

  it('parses the body of a public route too', async () => {
    const res = await invoke(event('POST /api/public-echo', { headers: jsonHeaders(), body: 'nope' }));
    expect(res.statusCode).toBe(400);
  });
});

describe('errors', () => {
  it('turns a plain Error into a 500 internal_error without leaking its message or stack', async () => {
    const logged = vi.spyOn(logger, 'error');
    const res = await invoke(
      event('GET /api/boom', {
        headers: { authorization: `Bearer ${adminToken}` },
        requestId: 'req-boom-00000001',
      }),
    );
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toStrictEqual({
      error: {
        code: 'internal_error',
        message: 'Internal error',
        details: { correlation_id: 'req-boom-00000001' },
      },
    });
    for (const leak of ['hunter2', 'ECONNREFUSED', '10.1.2.3', 'stack', 'Error:', '.ts:', '    at ']) {
      expect(res.body).not.toContain(leak);
    }
    // The fault is not swallowed: it goes to the logs for operators.
    expect(logged).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ error: expect.any(Error) }),
    );
  });

  it('renders a thrown TemporaError with its own status and body', async () => {
    const res = await invoke(
      event('GET /api/conflict', { headers: { authorization: `Bearer ${adminToken}` } }),
    );
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res)).toStrictEqual(
      conflict('Version conflict on "t1"', { id: 't1', expected_version: 1, current_version: 2 }).toBody(),
    );
  });

  it('keeps the status of any TemporaError, not only the predefined ones', async () => {
    const res = await invoke(event('GET /api/teapot'));
    expect(res.statusCode).toBe(418);
    expect(bodyOf(res)).toStrictEqual({ error: { code: 'teapot', message: 'I am a teapot' } });
  });
});

describe('correlation id', () => {
  it('echoes a well-formed x-correlation-id on success and hands it to the route', async () => {
    const res = await invoke(
      event('GET /api/things/health', { headers: { 'x-correlation-id': 'client-abc-0001' } }),
    );
    expect(res.headers?.['x-correlation-id']).toBe('client-abc-0001');
    expect(bodyOf(res).correlationId).toBe('client-abc-0001');
  });

  it('echoes it on error responses too', async () => {
    const res = await invoke(event('GET /api/nope', { headers: { 'x-correlation-id': 'client-abc-0002' } }));
    expect(res.statusCode).toBe(404);
    expect(res.headers?.['x-correlation-id']).toBe('client-abc-0002');
  });

  it('normalises a capitalised X-Correlation-Id header', async () => {
    const res = await invoke(
      event('GET /api/things/health', { headers: { 'X-Correlation-Id': 'Mixed.Case:01' } }),
    );
    expect(res.headers?.['x-correlation-id']).toBe('Mixed.Case:01');
  });

  it.each(['bad id!', 'short', 'x'.repeat(129), 'a/b/c/d/e/f', '<script>alert(1)</script>'])(
    'replaces malformed %j by the API Gateway request id',
    async (bad) => {
      const res = await invoke(
        event('GET /api/things/health', {
          headers: { 'x-correlation-id': bad },
          requestId: 'req-gw-12345678',
        }),
      );
      expect(res.headers?.['x-correlation-id']).toBe('req-gw-12345678');
      expect(bodyOf(res).correlationId).toBe('req-gw-12345678');
    },
  );

  it('falls back to a ULID when neither the header nor the request id is usable', async () => {
    const res = await invoke(
      event('GET /api/things/health', { headers: { 'x-correlation-id': 'bad id!' }, requestId: '' }),
    );
    expect(res.headers?.['x-correlation-id']).toMatch(ULID_RE);
  });

  it('puts the request id in the 500 body and header when no header is sent', async () => {
    const res = await invoke(
      event('GET /api/boom', {
        headers: { authorization: `Bearer ${adminToken}` },
        requestId: 'req-5xx-0000001',
      }),
    );
    expect(res.headers?.['x-correlation-id']).toBe('req-5xx-0000001');
  });
});

describe('headers', () => {
  it('hands the route lower-cased header names', async () => {
    const res = await invoke(
      event('GET /api/things/health', { headers: { 'X-Custom-Thing': 'v1', Accept: 'application/json' } }),
    );
    expect(bodyOf(res).headers).toMatchObject({ 'x-custom-thing': 'v1', accept: 'application/json' });
    expect(bodyOf(res).headers).not.toHaveProperty('X-Custom-Thing');
  });
});

describe("the stores' limits at the edge (lib/limits)", () => {
  const authed = () => jsonHeaders({ authorization: `Bearer ${adminToken}` });
  const issues = (res: { body?: string }) =>
    (bodyOf(res).error.details.issues as Array<{ path: string }>).map((i) => i.path);

  it('refuses a body nested deeper than DynamoDB can store, naming the field', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const res = await invoke(
      event('POST /api/things', { headers: authed(), body: JSON.stringify({ x: deep }) }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('validation_failed');
    expect(issues(res)[0]).toMatch(/^x\.a\.a/);
  });

  it.each([
    ['1e300', 'n'],
    ['1e-300', 'n'],
    ['12345678901234567891', 'n'],
  ])('refuses the number %s (not stored exactly) naming it', async (n, path) => {
    const res = await invoke(event('POST /api/things', { headers: authed(), body: `{"n":${n}}` }));
    expect(res.statusCode).toBe(400);
    expect(issues(res)).toEqual([path]);
  });

  it('refuses a lone surrogate in a string and in a key', async () => {
    const res = await invoke(
      event('POST /api/things', { headers: authed(), body: '{"s":"a\\ud800b","k\\udc00":1}' }),
    );
    expect(res.statusCode).toBe(400);
    expect(issues(res)).toEqual(['s', 'k\\uDC00']);
  });

  it('refuses a token over 8 KB with 401 before parsing it; other headers are checked before the token', async () => {
    const res = await invoke(
      event('POST /api/things', { headers: jsonHeaders({ authorization: `Bearer ${'x'.repeat(9000)}` }) }),
    );
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.message).toBe('Token is larger than 8192 bytes');
    const ifMatch = await invoke(
      event('POST /api/things', {
        headers: jsonHeaders({ authorization: 'Bearer x', 'if-match': '1'.repeat(100) }),
      }),
    );
    expect(ifMatch.statusCode).toBe(400);
    expect(issues(ifMatch)).toContain('headers.if-match');
  });

  it('refuses an oversize query value and a path id with a lone surrogate', async () => {
    const e = event('POST /api/things', { headers: authed() });
    e.queryStringParameters = { cursor: 'c'.repeat(3000) };
    e.pathParameters = { id: 'a\ud800' };
    const res = await invoke(e);
    expect(res.statusCode).toBe(400);
    expect(issues(res).sort()).toEqual(['path.id', 'query.cursor']);
  });
});
