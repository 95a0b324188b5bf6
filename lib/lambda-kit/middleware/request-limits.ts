/**
 * Request limits (one concern): header, path and query sizes and well-formed Unicode
 * (lib/limits `assertRequestLimits`), checked before the token is verified or the body parsed,
 * so an oversize `authorization` or a lone surrogate in a path id is a 400 naming the field.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { assertRequestLimits } from '../../limits/index.ts';
import type { HttpMiddyRequest } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

export function requestLimits(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      assertRequestLimits(request.event);
    },
  };
}
