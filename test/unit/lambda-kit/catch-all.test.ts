/** The `$default` route's function (lib/lambda-kit/catch-all.ts): 404 and 405 + Allow in the contract shape. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

import { allowedMethods, catchAllHandler, pathMatches } from '../../../lib/lambda-kit/catch-all.ts';

const handler = catchAllHandler();
const call = async (method: string, rawPath: string) =>
  handler(
    {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method, path: rawPath }, requestId: 'req-catch-all-1' },
    } as unknown as APIGatewayProxyEventV2,
    { functionName: 'catch-all', awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as Context,
  );

describe('catch-all', () => {
  it('matches templates segment by segment', () => {
    expect(pathMatches('/api/campaigns/{id}', '/api/campaigns/c1')).toBe(true);
    expect(pathMatches('/api/campaigns/{id}', '/api/campaigns')).toBe(false);
    expect(pathMatches('/api/campaigns/{id}', '/api/campaigns/c1/x')).toBe(false);
  });

  it('knows the methods of declared paths', () => {
    expect(allowedMethods('/api/campaigns/c1')).toEqual(['DELETE', 'GET', 'PATCH']);
    expect(allowedMethods('/api/health')).toEqual(['GET']);
    expect(allowedMethods('/api/nowhere')).toEqual([]);
  });

  it('an unknown path → 404 not_found in the error shape', async () => {
    const res = await call('GET', '/api/nowhere/at/all');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body ?? '')).toMatchObject({ error: { code: 'not_found' } });
  });

  it('a known path with another method → 405 with Allow', async () => {
    const res = await call('PUT', '/api/campaigns/c1');
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('DELETE, GET, PATCH');
    expect(JSON.parse(res.body ?? '')).toMatchObject({
      error: { code: 'method_not_allowed', details: { allowed: ['DELETE', 'GET', 'PATCH'] } },
    });
  });
});
