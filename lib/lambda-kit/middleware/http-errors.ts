/**
 * Errors (one concern): every failure becomes the contract's error shape with the
 * correlation id; a Tempora error keeps its status, anything else is a 500 that never
 * leaks its message or stack.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isTemporaError, TemporaError } from '../../errors.ts';
import { logger, metrics } from '../../observability.ts';
import type { HttpMiddyRequest } from '../http-types.ts';
import { type HttpResponse, json } from '../response.ts';
import { correlationIdOf } from './correlation.ts';

export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    onError: async (request: HttpMiddyRequest) => {
      const err = request.error;
      const id = request.context.tempora?.correlationId ?? correlationIdOf(request.event);
      if (isTemporaError(err)) {
        if (err.status >= 500) logger.error('request failed', { error: err });
        else logger.info('client error', { status: err.status, code: err.code, message: err.message });
        request.response = json(err.status, err.toBody(), { ...err.headers, 'x-correlation-id': id });
        return;
      }
      logger.error('unhandled error', { error: err as Error });
      metrics.addMetric('UnhandledError', 'Count', 1);
      request.response = json(
        500,
        new TemporaError(500, 'internal_error', 'Internal error', { correlation_id: id }).toBody(),
        { 'x-correlation-id': id },
      );
    },
  };
}
