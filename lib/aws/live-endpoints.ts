/**
 * Where live-campaign clients and the broadcaster reach API Gateway's WebSocket API and the
 * AppSync Event API, as seen from inside a Lambda: the one place that knows the emulator's
 * forms of them.
 *
 * On AWS every endpoint comes from the stack (the stage's `wss://` URL, the management
 * endpoint, the Event API's `dns.HTTP` / `dns.REALTIME` hosts). On the emulator (a Lambda
 * there runs with `AWS_ENDPOINT_URL`):
 * - the WebSocket API is `<endpoint>/_aws/execute-api/<apiId>/<stage>` (the
 *   `<apiId>.execute-api.localhost` host form does not resolve);
 * - MiniStack routes an Event API by Host header only: the broadcaster connects to the
 *   emulator and sends the API's advertised HTTP host as `Host` (its own HTTP client can);
 *   clients, which cannot set Host (browsers), use the path form that the embedded emulator's
 *   launcher serves (localstack/ministack_aws.py): `<endpoint>/_tempora/appsync-events/<apiId>/event[/realtime]`.
 */

/** Path prefix of the emulator's Event API endpoints (localstack/ministack_aws.py serves it). */
export const EMULATOR_EVENTS_PREFIX = '/_tempora/appsync-events';

interface OnEmulator {
  /** The emulator's base URL, when running on it. */
  awsEndpointUrl?: string | undefined;
}

export interface WebSocketEndpointEnv extends OnEmulator {
  webSocketApiId: string;
  webSocketStage: string;
}

export interface EventApiEnv extends OnEmulator {
  eventsApiId: string;
  eventsHttpDns: string;
  eventsRealtimeDns: string;
}

/** The Event API as the broadcaster publishes to it and as clients subscribe. */
export interface EventApiEndpoints {
  apiId: string;
  /** Base URL the broadcaster's HTTP client connects to (`POST <publishUrl>/event`). */
  publishUrl: string;
  /** `Host` header and SigV4 host of a publish: the API's HTTP host. */
  publishHost: string;
  /** What a client connects its WebSocket to (`aws-appsync-event-ws` protocol). */
  realtimeUrl: string;
  /** The API's HTTP host, which a client names as `host` in its authorization header. */
  httpHost: string;
  /** HTTP publish URL a client could reach (only the broadcaster may publish: IAM). */
  httpUrl: string;
}

const trim = (url: string): string => url.replace(/\/+$/, '');
const wsScheme = (url: string): string => url.replace(/^http/i, 'ws');

/** The management endpoint of the WebSocket stage (`PostToConnection`), without a trailing slash. */
export function managementEndpointFor(
  env: WebSocketEndpointEnv & { webSocketManagementEndpoint: string },
): string {
  if (env.awsEndpointUrl) {
    const stage = encodeURIComponent(env.webSocketStage).replace(/%24/g, '$');
    return `${trim(env.awsEndpointUrl)}/_aws/execute-api/${env.webSocketApiId}/${stage}`;
  }
  return trim(env.webSocketManagementEndpoint);
}

/** The URL a client connects its WebSocket to (`?campaign_id=&user_id=&token=`). */
export function clientWebSocketUrl(env: WebSocketEndpointEnv & { webSocketUrl: string }): string {
  if (env.awsEndpointUrl) return wsScheme(managementEndpointFor({ ...env, webSocketManagementEndpoint: '' }));
  return trim(env.webSocketUrl);
}

/** The Event API's endpoints; undefined when the stack has none (the events transport is off). */
export function eventApiEndpoints(env: EventApiEnv): EventApiEndpoints | undefined {
  if (!env.eventsApiId || !env.eventsHttpDns || !env.eventsRealtimeDns) return undefined;
  if (env.awsEndpointUrl) {
    const base = `${trim(env.awsEndpointUrl)}${EMULATOR_EVENTS_PREFIX}/${env.eventsApiId}`;
    return {
      apiId: env.eventsApiId,
      publishUrl: trim(env.awsEndpointUrl),
      publishHost: env.eventsHttpDns,
      realtimeUrl: `${wsScheme(base)}/event/realtime`,
      httpHost: env.eventsHttpDns,
      httpUrl: `${base}/event`,
    };
  }
  return {
    apiId: env.eventsApiId,
    publishUrl: `https://${env.eventsHttpDns}`,
    publishHost: env.eventsHttpDns,
    realtimeUrl: `wss://${env.eventsRealtimeDns}/event/realtime`,
    httpHost: env.eventsHttpDns,
    httpUrl: `https://${env.eventsHttpDns}/event`,
  };
}
