/**
 * `httpHandler(routes)`: the handler of an HTTP API Lambda, a stack of single-concern
 * middy middlewares: Powertools (tracing, logger, metrics) → header normalisation →
 * correlation id → route match → request limits (headers, path, query) → bearer auth →
 * JSON body (size, then the stores' limits) → the route, with one error
 * renderer (contract error shape, never a stack trace).
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signingKey } from '../auth/secret.ts';
import type { Routes, TemporaContext } from './http-types.ts';
import { bearerAuth } from './middleware/auth.ts';
import { httpCorrelation } from './middleware/correlation.ts';
import { httpErrors } from './middleware/http-errors.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestLimits } from './middleware/request-limits.ts';
import { routeMatch } from './middleware/route.ts';
import { powertools } from './powertools.ts';
import type { HttpResponse } from './response.ts';

export type { HttpRequest, Route, Routes, TemporaContext } from './http-types.ts';
export { correlationIdOf } from './middleware/correlation.ts';
export { MAX_BODY_BYTES, parseJsonBody } from './middleware/json-body.ts';

/** The handler middy wraps: calls the matched route with the request the middlewares prepared. */
export async function dispatch(
  event: APIGatewayProxyEventV2,
  context: TemporaContext,
): Promise<HttpResponse> {
  const state = context.tempora;
  if (!state?.route) throw new Error('routeMatch middleware did not run');
  return state.route.handler({
    event,
    principal: state.principal,
    correlationId: state.correlationId,
    body: state.body,
    params: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: (event.headers ?? {}) as Record<string, string>,
  });
}

export function httpHandler(routes: Routes, opts: { signingKey?: () => Promise<string> } = {}) {
  return middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(powertools({ coldStartMetric: true }))
    .use(httpHeaderNormalizer())
    .use(httpCorrelation())
    .use(httpErrors())
    .use(routeMatch(routes))
    .use(requestLimits())
    .use(bearerAuth(opts.signingKey ?? signingKey))
    .use(jsonBody())
    .handler(dispatch);
}
