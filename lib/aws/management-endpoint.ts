/**
 * The API Gateway Management API endpoint (`@connections`) of a WebSocket stage, as seen
 * from inside a Lambda: the one place that knows the emulator's form of it.
 *
 * - On AWS it is `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>` (or the
 *   custom domain), injected by the stack as `WS_MANAGEMENT_ENDPOINT`.
 * - On the emulator (a Lambda there runs with `AWS_ENDPOINT_URL`, which is how every SDK
 *   client in lib/aws reaches it) it is `<AWS_ENDPOINT_URL>/_aws/execute-api/<apiId>/<stage>`:
 *   the `<apiId>.execute-api.localhost` host form does not resolve.
 */
export interface ManagementEndpointEnv {
  AWS_ENDPOINT_URL?: string | undefined;
  WS_API_ID: string;
  WS_STAGE: string;
  WS_MANAGEMENT_ENDPOINT?: string | undefined;
}

/** The management endpoint, without a trailing slash; throws when it is not configured. */
export function managementEndpointFor(env: ManagementEndpointEnv): string {
  if (env.AWS_ENDPOINT_URL) {
    const base = env.AWS_ENDPOINT_URL.replace(/\/+$/, '');
    return `${base}/_aws/execute-api/${env.WS_API_ID}/${encodeURIComponent(env.WS_STAGE).replace(/%24/g, '$')}`;
  }
  if (!env.WS_MANAGEMENT_ENDPOINT) throw new Error('WS_MANAGEMENT_ENDPOINT is not configured');
  return env.WS_MANAGEMENT_ENDPOINT.replace(/\/+$/, '');
}
