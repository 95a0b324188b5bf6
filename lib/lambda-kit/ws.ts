/**
 * `wsHandler(route)`: the handler of API Gateway WebSocket routes (`$connect`,
 * `$disconnect`, `$default`): Powertools (tracing, logger, metrics) → correlation ids
 * (the request id, with the connection id and route on every log line) → the route, with
 * one error renderer: a Tempora error keeps its status and contract body (API Gateway
 * refuses a `$connect` with it), anything else is a 500 without details.
 */
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isTemporaError, TemporaError } from '../errors.ts';
import { logger, metrics } from '../observability.ts';
import { correlationIdFrom } from './middleware/correlation.ts';
import { type PowertoolsOptions, powertools } from './powertools.ts';

/** The parts of an API Gateway WebSocket event the kit reads. */
export interface WsEvent {
  requestContext: { connectionId: string; eventType: string; routeKey?: string; requestId?: string };
}

export interface WsResult {
  statusCode: number;
  body?: string;
}

export const isWsEvent = (e: unknown): e is WsEvent => {
  if (typeof e !== 'object' || e === null) return false;
  const rc = (e as { requestContext?: Record<string, unknown> }).requestContext;
  return typeof rc?.connectionId === 'string' && typeof rc.eventType === 'string';
};

export function wsCorrelation(): MiddlewareObj<WsEvent, WsResult> {
  return {
    before: async (request: Request<WsEvent, WsResult>) => {
      const rc = request.event.requestContext;
      logger.appendKeys({
        correlation_id: correlationIdFrom(rc.requestId),
        connection_id: rc.connectionId,
        route: rc.routeKey ?? rc.eventType,
      });
    },
  };
}

export function wsErrors(): MiddlewareObj<WsEvent, WsResult> {
  return {
    onError: async (request: Request<WsEvent, WsResult>) => {
      const err = request.error;
      if (isTemporaError(err)) {
        logger.info('websocket client error', { status: err.status, code: err.code });
        request.response = { statusCode: err.status, body: JSON.stringify(err.toBody()) };
        return;
      }
      logger.error('websocket route failed', { error: err as Error });
      metrics.addMetric('UnhandledError', 'Count', 1);
      request.response = {
        statusCode: 500,
        body: JSON.stringify(new TemporaError(500, 'internal_error', 'Internal error').toBody()),
      };
    },
  };
}

export function wsHandler<E extends WsEvent, R extends WsResult>(
  route: (event: E, context: Context) => Promise<R>,
  opts: PowertoolsOptions = {},
) {
  return middy<E, R, Error, Context>()
    .use(powertools(opts))
    .use(wsCorrelation() as unknown as MiddlewareObj<E, R>)
    .use(wsErrors() as unknown as MiddlewareObj<E, R>)
    .handler(route);
}
