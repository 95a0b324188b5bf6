/**
 * Correlation ids (one concern): each invocation gets one, it is on every log line
 * (`correlation_id`) and on the HTTP response (`x-correlation-id`).
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ulid } from 'ulidx';
import { logger } from '../../observability.ts';
import type { HttpMiddyRequest } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

const CORRELATION_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** A well-formed id from a client or the platform, else a fresh ULID. */
export function correlationIdFrom(...candidates: Array<string | undefined | null>): string {
  for (const c of candidates) if (c && CORRELATION_RE.test(c)) return c;
  return ulid();
}

/** Correlation id: a client's `x-correlation-id` if well-formed, else API Gateway's request id, else a ULID. */
export function correlationIdOf(event: APIGatewayProxyEventV2): string {
  return correlationIdFrom(event.headers?.['x-correlation-id'], event.requestContext?.requestId);
}

/** HTTP: pick the id, put it on the log context, echo it on the response. */
export function httpCorrelation(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      const correlationId = correlationIdOf(request.event);
      logger.appendKeys({ correlation_id: correlationId, route: request.event.routeKey });
      request.context.tempora = { correlationId };
    },
    after: async (request: HttpMiddyRequest) => {
      const id = request.context.tempora?.correlationId;
      if (request.response && id) {
        request.response.headers = { ...request.response.headers, 'x-correlation-id': id };
      }
    },
  };
}
