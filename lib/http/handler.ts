/**
 * `httpHandler(routes)`: the middy handler of an HTTP Lambda, with Powertools logging,
 * metrics (tracing is Lambda's active tracing), header normalisation and the Tempora HTTP middleware.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signingKey } from '../auth/secret.ts';
import { logger, metrics } from '../observability.ts';
import { dispatch, type Routes, temporaHttp } from './middleware.ts';
import type { HttpResponse } from './response.ts';

export function httpHandler(routes: Routes, opts: { signingKey?: () => Promise<string> } = {}) {
  return middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(httpHeaderNormalizer())
    .use(temporaHttp(routes, opts.signingKey ?? signingKey))
    .handler(dispatch);
}
