/**
 * The HTTP middleware of every Tempora Lambda (middy). In order:
 * header normalisation → correlation id → route match → bearer auth → JSON body →
 * handler, with one error handler that renders the contract error shape and never
 * leaks a stack trace.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ulid } from 'ulidx';
import { bearerToken, type Principal, verifyToken } from '../auth/tokens.ts';
import {
  isTemporaError,
  notFound,
  payloadTooLarge,
  TemporaError,
  unsupportedMediaType,
  validationError,
} from '../errors.ts';
import { logger, metrics } from '../observability.ts';
import { type HttpResponse, json } from './response.ts';

/** Largest request body accepted (the metadata cap is 64 KB; fields add a little). */
export const MAX_BODY_BYTES = 256 * 1024;
const CORRELATION_RE = /^[A-Za-z0-9._:-]{8,128}$/;

export interface HttpRequest {
  event: APIGatewayProxyEventV2;
  /** Verified caller; absent only on public routes. */
  principal: Principal | undefined;
  correlationId: string;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
}

export interface Route {
  public?: boolean;
  handler: (req: HttpRequest) => Promise<HttpResponse>;
}

export type Routes = Record<string, Route>;

/** Per-invocation state the middleware hands to the route handler through the Lambda context. */
export interface TemporaContext extends Context {
  tempora?: { correlationId: string; principal?: Principal; body?: unknown; route?: Route };
}

type HttpMiddyRequest = Request<APIGatewayProxyEventV2, HttpResponse, Error, TemporaContext>;

/** Correlation id: a client's `x-correlation-id` if well-formed, else API Gateway's request id, else a ULID. */
export function correlationIdOf(event: APIGatewayProxyEventV2): string {
  const fromHeader = event.headers?.['x-correlation-id'];
  if (fromHeader && CORRELATION_RE.test(fromHeader)) return fromHeader;
  const rid = event.requestContext?.requestId;
  return rid && CORRELATION_RE.test(rid) ? rid : ulid();
}

/** Decode, size-check and parse a JSON body; client mistakes are 400/413/415. */
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

/**
 * Route by API Gateway's `routeKey` (exactly the keys infra created from the registry),
 * authenticate, parse the body. `signingKey` is resolved lazily and cached by its provider.
 */
export function temporaHttp(
  routes: Routes,
  signingKey: () => Promise<string>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const before = async (request: HttpMiddyRequest): Promise<void> => {
    const event = request.event;
    const correlationId = correlationIdOf(event);
    logger.appendKeys({ correlation_id: correlationId, route: event.routeKey });
    const state: NonNullable<TemporaContext['tempora']> = { correlationId };
    request.context.tempora = state;
    const route = routes[event.routeKey];
    if (!route) throw notFound(`No route ${event.routeKey}`);
    state.route = route;
    if (!route.public) {
      state.principal = await verifyToken(await signingKey(), bearerToken(event.headers?.authorization));
      logger.appendKeys({ actor: state.principal.sub, role: state.principal.role });
    }
    state.body = parseJsonBody(event);
  };

  const after = async (request: HttpMiddyRequest): Promise<void> => {
    const id = request.context.tempora?.correlationId;
    if (request.response && id) {
      request.response.headers = { ...request.response.headers, 'x-correlation-id': id };
    }
  };

  const onError = async (request: HttpMiddyRequest): Promise<void> => {
    const err = request.error;
    const id = request.context.tempora?.correlationId ?? correlationIdOf(request.event);
    if (isTemporaError(err)) {
      if (err.status >= 500) logger.error('request failed', { error: err });
      else logger.info('client error', { status: err.status, code: err.code, message: err.message });
      request.response = json(err.status, err.toBody(), { 'x-correlation-id': id });
      return;
    }
    logger.error('unhandled error', { error: err as Error });
    metrics.addMetric('UnhandledError', 'Count', 1);
    request.response = json(
      500,
      new TemporaError(500, 'internal_error', 'Internal error', { correlation_id: id }).toBody(),
      { 'x-correlation-id': id },
    );
  };

  return { before, after, onError };
}

/** The handler middy wraps: calls the matched route with the request the middleware prepared. */
export async function dispatch(
  event: APIGatewayProxyEventV2,
  context: TemporaContext,
): Promise<HttpResponse> {
  const state = context.tempora;
  if (!state?.route) throw new Error('temporaHttp middleware did not run');
  return state.route.handler({
    event,
    principal: state.principal,
    correlationId: state.correlationId,
    body: state.body,
    params: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: (event.headers ?? {}) as Record<string, string>,
  });
}
