/**
 * The route's declaration, enforced (one concern): the caller's role must be one the registry
 * declares for the route (403 naming the rule and the allowed roles), and the path parameters,
 * query string and JSON body must parse with the declared schemas (400 naming every bad field
 * as `path.<name>`, `query.<name>` or the body field). The handler receives the parsed values
 * in `req.input`.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { Principal } from '../../auth/tokens.ts';
import { type FieldIssue, forbidden, toFieldIssues, validationError } from '../../errors.ts';
import { routeKey } from '../../registry/route-key.ts';
import type { RouteDefinition } from '../../registry/types.ts';
import { type HttpMiddyRequest, type RouteInput, stateOf } from '../http-types.ts';
import type { HttpResponse } from '../response.ts';

/**
 * Enforce a route's declaration on a request (pure; the middleware below and the test kit call
 * it): the role check, then every declared schema. Returns the parsed input.
 */
export function enforceDeclaration(
  def: RouteDefinition,
  principal: Principal | undefined,
  raw: { params: unknown; query: unknown; body: unknown },
): RouteInput {
  if (!def.public && def.roles) {
    const role = principal?.role;
    if (!role || !def.roles.includes(role)) {
      throw forbidden(`Role "${role}" may not call ${routeKey(def)}`, {
        rule: def.rule ?? routeKey(def),
        allowed_roles: def.roles,
      });
    }
  }
  const issues: FieldIssue[] = [];
  const parse = (schema: z.ZodMiniType | undefined, value: unknown, prefix: string): unknown => {
    if (!schema) return value;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    issues.push(...toFieldIssues(r.error.issues, prefix));
    return undefined;
  };
  const input = {
    params: parse(def.params, raw.params ?? {}, 'path'),
    query: parse(def.query, raw.query ?? {}, 'query'),
    body: parse(def.body, raw.body, ''),
  };
  if (issues.length) throw validationError(issues);
  return input;
}

export function declaredRoute(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: async (request: HttpMiddyRequest) => {
      const state = stateOf(request);
      const def = state.route?.definition;
      if (!def) return;
      state.input = enforceDeclaration(def, state.principal, {
        params: request.event.pathParameters,
        query: request.event.queryStringParameters,
        body: state.body,
      });
      if (def.body) state.body = state.input.body;
    },
  };
}
