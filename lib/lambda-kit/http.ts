/**
 * `httpHandler(routes)`: the handler of an HTTP API Lambda, a stack of single-concern
 * middy middlewares: Powertools (tracing, logger, metrics) → header normalisation →
 * correlation id → route match → request limits (headers, path, query) → bearer auth →
 * JSON body (size, then the stores' limits) → the declaration (roles, schemas) → idempotent
 * retries (`Idempotency-Key`, on the routes declared `idempotent`) → the route, with one error
 * renderer (contract error shape, never a stack trace).
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signingKey } from '../auth/secret.ts';
import { verifyBearer } from '../auth/verify.ts';
import { routeKey } from '../registry/route-key.ts';
import type { RouteDefinition } from '../registry/types.ts';
import type { Route, Routes, TemporaContext } from './http-types.ts';
import { type BearerAuth, bearerAuth } from './middleware/auth.ts';
import { httpCorrelation } from './middleware/correlation.ts';
import { declaredRoute } from './middleware/declared.ts';
import { httpErrors } from './middleware/http-errors.ts';
import { idempotentRetries } from './middleware/idempotency.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestLimits } from './middleware/request-limits.ts';
import { routeMatch } from './middleware/route.ts';
import { powertools } from './powertools.ts';
import type { HttpResponse } from './response.ts';

export type { HttpRequest, Route, Routes, TemporaContext } from './http-types.ts';
export { inputOf } from './http-types.ts';
export type { BearerAuth } from './middleware/auth.ts';
export { correlationIdOf } from './middleware/correlation.ts';
export { enforceDeclaration } from './middleware/declared.ts';
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
    input: state.input ?? {
      params: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      body: state.body,
    },
  });
}

/**
 * Pair each declared route with its handler, one to one: a declared route without a handler or a
 * handler without a declaration is a start-up error (the function never serves a half-declared API).
 */
export function bindRoutes(declared: readonly RouteDefinition[], handlers: Routes): Routes {
  const keys = new Set(declared.map(routeKey));
  const missing = [...keys].filter((k) => !handlers[k]);
  const undeclared = Object.keys(handlers).filter((k) => !keys.has(k));
  if (missing.length || undeclared.length) {
    throw new Error(
      `Routes and handlers differ: ${[
        ...missing.map((k) => `${k} is declared but has no handler`),
        ...undeclared.map((k) => `${k} has a handler but is not declared in lib/registry`),
      ].join('; ')}`,
    );
  }
  return Object.fromEntries(
    declared.map((d) => {
      const key = routeKey(d);
      const h = handlers[key] as Route;
      return [key, { ...h, public: d.public === true, definition: d }];
    }),
  );
}

/** The HTTP handler of a function serving exactly `declared` (the registry's routes) with `handlers`. */
export function httpHandler(
  declared: readonly RouteDefinition[],
  handlers: Routes,
  opts: { auth?: BearerAuth } = {},
) {
  const routes = bindRoutes(declared, handlers);
  return middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(powertools({ coldStartMetric: true }))
    .use(httpHeaderNormalizer())
    .use(httpCorrelation())
    .use(httpErrors())
    .use(routeMatch(routes))
    .use(requestLimits())
    .use(bearerAuth(opts.auth ?? { verify: verifyBearer, cursorKey: signingKey }))
    .use(jsonBody())
    .use(declaredRoute())
    .use(idempotentRetries())
    .handler(dispatch);
}
