/**
 * The base URL of the platform's own HTTP API as seen from inside a Lambda that one of its routes
 * invoked (the one place that knows the emulator's form of it, as lib/aws/management-endpoint.ts
 * does for WebSockets), from the request itself, so no stack has to pass the API to a function
 * it routes to (that reference would be a cycle between the services and the API stacks):
 * - on AWS, `https://<domain name of the request>` (the `$default` stage is the API's root);
 * - on the emulator (a Lambda there runs with `AWS_ENDPOINT_URL`),
 *   `<AWS_ENDPOINT_URL>/_aws/execute-api/<apiId>`: the host form does not resolve.
 */
export interface HttpApiRequestContext {
  apiId: string;
  domainName: string;
}

/** The API's base URL, without a trailing slash: append a route path (`/api/kg`). */
export function httpApiEndpointFor(awsEndpointUrl: string | undefined, ctx: HttpApiRequestContext): string {
  if (awsEndpointUrl) return `${awsEndpointUrl.replace(/\/+$/, '')}/_aws/execute-api/${ctx.apiId}`;
  return `https://${ctx.domainName}`;
}
