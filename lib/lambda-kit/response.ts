import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/**
 * A JSON response. `undefined` body → no body (e.g. 204). The body ends with a newline, as
 * curl-friendly APIs do, so a shell prompt or the next output does not run on after it.
 */
export function json(statusCode: number, body?: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: `${JSON.stringify(body)}\n` }),
  };
}

/** A `text/plain` response (e.g. a Mermaid diagram). */
export function text(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}
