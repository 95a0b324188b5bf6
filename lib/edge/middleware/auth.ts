/**
 * Authentication (one concern): a valid bearer token on every route that is not public, checked by
 * the platform's one verifier (lib/auth/verify.ts). A refusal is the contract's error: 401 with
 * `WWW-Authenticate`, 403 (a trusted issuer's token that maps to no role), 503 with `Retry-After`
 * (the issuer's keys cannot be fetched). Keys are resolved lazily and cached by their providers.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bearerToken } from '../../auth/tokens.ts';
import { refusalError, type Verifier } from '../../auth/verify.ts';
import { setCursorSecret } from '../../aws/dynamodb.ts';
import { logger } from '../../observability.ts';
import { type HttpMiddyRequest, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

export interface BearerAuth {
  verify: Verifier;
  /** The stack's current signing key: pagination cursors are signed with a key derived from it. */
  cursorKey: () => Promise<string>;
}

export function bearerAuth(auth: BearerAuth): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      const state = stateOf(request);
      if (!state.route || state.route.public) return;
      const result = await auth.verify(bearerToken(request.event.headers?.authorization));
      if (!result.ok) throw refusalError(result.refusal);
      setCursorSecret(await auth.cursorKey());
      state.principal = result.principal;
      logger.appendKeys({
        actor: result.principal.sub,
        role: result.principal.role,
        issuer: result.principal.issuer,
      });
    },
  };
}
