/**
 * The console's serving function (lib/console) and the page's pure helpers (console/src):
 * which files it serves and how, its configuration, hash routes, the emulator's WebSocket URL,
 * field errors from the API's 400s.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

import { ApiError, apiBase } from '../../../console/src/errors.ts';
import { parseRoute } from '../../../console/src/routes.ts';
import { liveUrl, webSocketUrl } from '../../../console/src/ws.ts';
import { assetResponse, loadAssets } from '../../../lib/console/assets.ts';
import { consoleHandler } from '../../../lib/console/lambda.ts';
import { buildLocalOutputs, consoleLink } from '../../../localstack/outputs.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'console-unit-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app-ABCDEF12.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  writeFileSync(join(dir, 'notes.txt'), 'not a console file type');
  mkdirSync(join(dir, 'sub'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENV = {
  TEMPORA_ENV: 'dev',
  WEBSOCKET_API_ID: 'ws123',
  WEBSOCKET_STAGE: 'live',
  WEBSOCKET_URL: 'wss://ws123.execute-api.us-east-1.amazonaws.com/live',
  POWERTOOLS_SERVICE_NAME: 'console',
  TEMPORA_SERVICE: 'console',
  POWERTOOLS_METRICS_NAMESPACE: 'Tempora',
};

const event = (routeKey: string, rawPath: string, asset?: string, headers: Record<string, string> = {}) =>
  ({
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'GET', path: rawPath }, requestId: 'r1' },
    ...(asset ? { pathParameters: { asset } } : {}),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;
const ctx = { functionName: 'console', awsRequestId: 'r1' } as Context;

describe('console files (lib/console/assets.ts)', () => {
  it('serves only the files of known types in the folder; hashed names are immutable', () => {
    const assets = loadAssets(dir);
    expect([...assets.keys()].sort()).toEqual(['app-ABCDEF12.js', 'index.html']);
    expect(assets.get('app-ABCDEF12.js')?.immutable).toBe(true);
    expect(assets.get('index.html')?.immutable).toBe(false);
  });

  it('compresses large files for clients that accept gzip, and the page gets a CSP', () => {
    const assets = loadAssets(dir);
    const js = assets.get('app-ABCDEF12.js')!;
    const gz = assetResponse(js, 'gzip, deflate, br');
    expect(gz.isBase64Encoded).toBe(true);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.from(gz.body, 'base64')).equals(js.bytes)).toBe(true);
    const plain = assetResponse(js, '');
    expect(plain.isBase64Encoded).toBe(false);
    expect(plain.body).toBe(js.bytes.toString('utf8'));
    const page = assetResponse(assets.get('index.html')!, 'gzip');
    expect(page.headers['content-encoding']).toBeUndefined(); // too small to be worth it
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
  });
});

describe('console function (lib/console/lambda.ts)', () => {
  const handler = () => consoleHandler({ dir, env: ENV });

  it('GET /console is the page', async () => {
    const r = await handler()(event('GET /console', '/console'), ctx);
    expect(r.statusCode).toBe(200);
    expect(r.headers?.['content-type']).toMatch(/^text\/html/);
  });

  it('config.json names the WebSocket API', async () => {
    const r = await handler()(event('GET /console/{asset+}', '/console/config.json', 'config.json'), ctx);
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body ?? '')).toEqual({
      environment: 'dev',
      webSocket: { apiId: 'ws123', stage: 'live', url: ENV.WEBSOCKET_URL },
    });
  });

  it.each(['../index.html', 'sub', 'notes.txt', 'nope.js', '%2e%2e/etc/passwd'])(
    'any other name (%s) is the contract 404',
    async (name) => {
      const r = await handler()(event('GET /console/{asset+}', `/console/${name}`, name), ctx);
      expect(r.statusCode).toBe(404);
      expect(JSON.parse(r.body ?? '').error.code).toBe('not_found');
    },
  );
});

describe('console page helpers (console/src)', () => {
  it('routes the hash', () => {
    expect(parseRoute('')).toEqual({ view: 'graph' });
    expect(parseRoute('#/graph')).toEqual({ view: 'graph' });
    expect(parseRoute('#/campaigns/cmp%2F1')).toEqual({ view: 'campaign', id: 'cmp/1' });
    expect(parseRoute('#/entities/user/u1')).toEqual({ view: 'entity', type: 'user', id: 'u1' });
    expect(parseRoute('#/intents')).toEqual({ view: 'intents', filter: {} });
    expect(parseRoute('#/intents?status=scheduled&pattern=a%2Db')).toEqual({
      view: 'intents',
      filter: { status: 'scheduled', pattern: 'a-b' },
    });
    expect(parseRoute('#/policies')).toEqual({ view: 'policies' });
    expect(parseRoute('#/ask')).toEqual({ view: 'ask' });
    expect(parseRoute('#/entities/user')).toEqual({ view: 'unknown', hash: '#/entities/user' });
    expect(parseRoute('#/campaigns/%E0%A4%A')).toEqual({ view: 'campaign', id: '%E0%A4%A' });
  });

  it('finds the API base and the WebSocket URL on the emulator and on AWS', () => {
    expect(apiBase('/_aws/execute-api/abc/console')).toBe('/_aws/execute-api/abc');
    expect(apiBase('/console')).toBe('');
    const ws = { apiId: 'ws1', stage: 'live', url: 'wss://ws1.execute-api.eu-west-1.amazonaws.com/live' };
    expect(
      webSocketUrl(ws, {
        pathname: '/_aws/execute-api/abc/console',
        protocol: 'http:',
        host: '127.0.0.1:4566',
      }),
    ).toBe('ws://127.0.0.1:4566/_aws/execute-api/ws1/live');
    expect(webSocketUrl(ws, { pathname: '/console', protocol: 'https:', host: 'api.example.com' })).toBe(
      ws.url,
    );
  });

  it("reaches /live's URLs from the page: the emulator's on the page's host, AWS's as given", () => {
    const ws = { apiId: 'ws1', stage: 'live', url: 'wss://ws1.execute-api.eu-west-1.amazonaws.com/live' };
    const local = { pathname: '/_aws/execute-api/abc/console', protocol: 'http:', host: 'localhost:4640' };
    const rt = 'ws://127.0.0.1:4640/_tempora/appsync-events/api1/event/realtime';
    expect(liveUrl('ws://127.0.0.1:4640/_aws/execute-api/ws1/live', 'websocket', ws, local)).toBe(
      'ws://localhost:4640/_aws/execute-api/ws1/live',
    );
    expect(liveUrl(rt, 'events', ws, local)).toBe(
      'ws://localhost:4640/_tempora/appsync-events/api1/event/realtime',
    );
    const aws = { pathname: '/console', protocol: 'https:', host: 'api.example.com' };
    const awsRt = 'wss://x.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime';
    expect(liveUrl(awsRt, 'events', ws, aws)).toBe(awsRt);
    expect(liveUrl('wss://other/live', 'websocket', undefined, aws)).toBe('wss://other/live');
  });

  it("reads field errors from the API's 400 details", () => {
    const e = new ApiError(400, 'validation_failed', 'Invalid request', {
      issues: [
        { path: 'retention', message: 'must be an ISO 8601 duration' },
        { path: ['body', 'access'], message: 'Invalid option' },
      ],
    });
    expect(e.fieldErrors()).toEqual({
      retention: 'must be an ISO 8601 duration',
      'body.access': 'Invalid option',
    });
    expect(new ApiError(500, 'internal', 'boom').fieldErrors()).toEqual({});
  });
});

describe('the console in .local/outputs.json (localstack/outputs.ts)', () => {
  const input = {
    endpoint: 'http://127.0.0.1:4566',
    region: 'us-east-1',
    environment: 'dev',
    stackName: 'Tempora-dev',
    tokens: { admin: 'a.b.c', user: 'u', service: 's' },
  };
  const outputs = { HttpApiId: 'a1b2', JwtSecretArn: 'arn', EventBusName: 'bus' };

  it('consoleUrl is the HTTP API base + /console when the stack outputs ConsoleUrl', () => {
    const out = buildLocalOutputs({
      ...input,
      stackOutputs: { ...outputs, ConsoleUrl: 'https://a1b2.execute-api.us-east-1.amazonaws.com/console' },
    });
    expect(out.consoleUrl).toBe('http://127.0.0.1:4566/_aws/execute-api/a1b2/console');
    expect(buildLocalOutputs({ ...input, stackOutputs: outputs })).not.toHaveProperty('consoleUrl');
  });

  it('the printed link carries the token in the query and opens the graph', () => {
    expect(consoleLink('http://h/_aws/execute-api/a1b2/console', 'x.y+z')).toBe(
      'http://h/_aws/execute-api/a1b2/console?token=x.y%2Bz#/graph',
    );
  });
});
