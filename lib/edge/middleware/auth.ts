/**
 * Authentication (one concern): a valid bearer token on every route that is not public.
 * `signingKey` is resolved lazily (first protected request) and cached by its provider.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bearerToken, verifyToken } from '../../auth/tokens.ts';
import { setCursorSecret } from '../../aws/dynamodb.ts';
import { logger } from '../../observability.ts';
import { type HttpMiddyRequest, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

export function bearerAuth(
  signingKey: () => Promise<string>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      const state = stateOf(request);
      if (!state.route || state.route.public) return;
      const secret = await signingKey();
      // Pagination cursors are signed with a key derived from the same per-stack secret.
      setCursorSecret(secret);
      state.principal = await verifyToken(secret, bearerToken(request.event.headers?.authorization));
      logger.appendKeys({ actor: state.principal.sub, role: state.principal.role });
    },
  };
}
