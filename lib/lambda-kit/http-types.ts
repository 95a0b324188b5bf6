/**
 * The types an HTTP route sees and the per-invocation state the HTTP middlewares of
 * lib/lambda-kit/middleware/ hand to each other (through the Lambda context, as middy does).
 */
import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Principal } from '../auth/tokens.ts';
import type { RouteDefinition } from '../registry/types.ts';
import type { HttpResponse } from './response.ts';

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
  /** Path parameters, query and body as the route's declared schemas parsed them. */
  input?: RouteInput;
}

/** What the kit parsed from the route's declaration (raw values where nothing is declared). */
export interface RouteInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

export interface Route {
  public?: boolean;
  /** The registry's declaration (set by `httpHandler` from the declared routes). */
  definition?: RouteDefinition;
  handler: (req: HttpRequest) => Promise<HttpResponse>;
}

export type Routes = Record<string, Route>;

/** Per-invocation state the middlewares hand to the route handler through the Lambda context. */
export interface TemporaContext extends Context {
  tempora?: {
    correlationId: string;
    principal?: Principal;
    body?: unknown;
    route?: Route;
    input?: RouteInput;
  };
}

export type HttpMiddyRequest = Request<APIGatewayProxyEventV2, HttpResponse, Error, TemporaContext>;

/** The state set by `httpCorrelation` (the first Tempora middleware); throws if it did not run. */
export function stateOf(request: HttpMiddyRequest): NonNullable<TemporaContext['tempora']> {
  const state = request.context.tempora;
  if (!state) throw new Error('httpCorrelation middleware did not run');
  return state;
}

/**
 * The input the kit parsed from the route's declaration, typed as the handler declares it
 * (`z.output` of the declared schemas). Throws when the route was called without the kit.
 */
export function inputOf<P = unknown, Q = unknown, B = unknown>(
  req: HttpRequest,
): { params: P; query: Q; body: B } {
  if (!req.input) throw new Error('route called without its declaration enforced (lib/lambda-kit/http.ts)');
  return req.input as { params: P; query: Q; body: B };
}
