/** Routing (one concern): by API Gateway's `routeKey`, exactly the keys infra created from the registry. */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { notFound } from '../../errors.ts';
import { type HttpMiddyRequest, type Routes, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

export function routeMatch(routes: Routes): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      const route = routes[request.event.routeKey];
      if (!route) throw notFound(`No route ${request.event.routeKey}`);
      stateOf(request).route = route;
    },
  };
}
