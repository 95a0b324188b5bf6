/** Request bodies (one concern): decode, size-check and parse JSON; client mistakes are 400/413/415. */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { payloadTooLarge, unsupportedMediaType, validationError } from '../../errors.ts';
import { type HttpMiddyRequest, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

/** Largest request body accepted (the metadata cap is 64 KB; fields add a little). */
export const MAX_BODY_BYTES = 256 * 1024;

export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw payloadTooLarge(`Request body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`, {
      limit: MAX_BODY_BYTES,
      size: raw.byteLength,
    });
  }
  const type = event.headers?.['content-type'];
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw unsupportedMediaType(`Content-Type must be application/json, got "${type}"`);
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw validationError(
      [{ path: '', message: `malformed JSON: ${(e as Error).message}` }],
      'Malformed JSON body',
    );
  }
}

export function jsonBody(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      stateOf(request).body = parseJsonBody(request.event);
    },
  };
}
