/**
 * Request bodies (one concern): decode, size-check and parse JSON, then check the parsed value
 * against the stores' limits (numbers DynamoDB stores exactly, nesting, well-formed Unicode).
 * Client mistakes are 400/413/415 naming the field.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { unsupportedMediaType, validationError } from '../../errors.ts';
import { assertJsonLimits, checkBodySize, MAX_JSON_BODY_BYTES } from '../../limits/index.ts';
import { type HttpMiddyRequest, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

/** Largest request body accepted (lib/limits: the metadata cap is 64 KB; fields add a little). */
export const MAX_BODY_BYTES = MAX_JSON_BODY_BYTES;

export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  checkBodySize(raw.byteLength, MAX_BODY_BYTES);
  const type = event.headers?.['content-type'];
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw unsupportedMediaType(`Content-Type must be application/json, got "${type.slice(0, 100)}"`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw validationError(
      [{ path: '', message: `malformed JSON: ${(e as Error).message.slice(0, 200)}` }],
      'Malformed JSON body',
    );
  }
  return assertJsonLimits(parsed);
}

export function jsonBody(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      stateOf(request).body = parseJsonBody(request.event);
    },
  };
}
