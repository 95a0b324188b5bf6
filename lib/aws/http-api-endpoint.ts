/**
 * The base URL of the platform's own HTTP API as seen from inside a Lambda (the one place that
 * knows the emulator's form of it, as lib/aws/management-endpoint.ts does for WebSockets):
 * - on AWS, `https://<api-id>.execute-api.<region>.amazonaws.com` (the `$default` stage is the
 *   API's root), injected by the stack as `HTTP_API_ENDPOINT`;
 * - on the emulator (a Lambda there runs with `AWS_ENDPOINT_URL`),
 *   `<AWS_ENDPOINT_URL>/_aws/execute-api/<apiId>`: the host form does not resolve.
 */
export interface HttpApiEndpointEnv {
  AWS_ENDPOINT_URL?: string | undefined;
  HTTP_API_ID: string;
  HTTP_API_ENDPOINT: string;
}

/** The API's base URL, without a trailing slash: append a route path (`/api/kg`). */
export function httpApiEndpointFor(env: HttpApiEndpointEnv): string {
  if (env.AWS_ENDPOINT_URL)
    return `${env.AWS_ENDPOINT_URL.replace(/\/+$/, '')}/_aws/execute-api/${env.HTTP_API_ID}`;
  return env.HTTP_API_ENDPOINT.replace(/\/+$/, '');
}
