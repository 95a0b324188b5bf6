/**
 * Authentication (one concern): a valid bearer token on every route that is not public, checked by
 * the platform's one verifier (lib/auth/verify.ts). A refusal is the contract's error: 401 with
 * `WWW-Authenticate`, 403 (a trusted issuer's token that maps to no role), 503 with `Retry-After`
 * (the issuer's keys cannot be fetched). Keys are resolved lazily and cached by their providers.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SourceUnavailable } from '../../auth/refreshing.ts';
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
      setCursorSecret(await cursorKeyOf(auth));
      state.principal = result.principal;
      logger.appendKeys({
        actor: result.principal.sub,
        role: result.principal.role,
        issuer: result.principal.issuer,
      });
    },
  };
}

/** The cursors' key; a key that cannot be read is the same 503 as for a platform token. */
async function cursorKeyOf(auth: BearerAuth): Promise<string> {
  try {
    return await auth.cursorKey();
  } catch (e) {
    if (!(e instanceof SourceUnavailable)) throw e;
    throw refusalError({
      status: 503,
      code: 'unavailable',
      reason: 'The platform signing key cannot be read right now',
      retryAfterSeconds: e.retryAfterSeconds,
    });
  }
}
