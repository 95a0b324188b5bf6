/**
 * Client URLs of the stack's APIs on a LocalStack-compatible emulator (pure functions).
 *
 * Emulators serve API Gateway under the path form `<endpoint>/_aws/execute-api/<apiId>/<stage>/<path>`
 * (MiniStack and LocalStack alike; the `<apiId>.execute-api.<host>` host form needs DNS that
 * is usually missing). An HTTP API on the `$default` stage is served from the API's root, as
 * on AWS, so its base URL has no stage segment: `<endpoint>/_aws/execute-api/<apiId>` and
 * `GET /api/health` is `<endpoint>/_aws/execute-api/<apiId>/api/health`.
 * (MiniStack 1.5.33 also accepts an explicit `/$default/` segment; the form without it is the
 * one LocalStack documents as well.)
 */

/** The `$default` stage of an HTTP API. */
export const DEFAULT_STAGE = '$default';

const trimEndpoint = (endpoint: string): string => endpoint.replace(/\/+$/, '');

/** A stage name as one path segment; `$` stays readable (it is legal in a path). */
const segment = (stage: string): string => encodeURIComponent(stage).replace(/%24/g, '$');

const checkId = (what: string, id: string): string => {
  if (!/^[A-Za-z0-9]+$/.test(id))
    throw new Error(`${what} must be an API id (letters and digits), got "${id}"`);
  return id;
};

/**
 * Base URL of an HTTP API on the emulator: append a route path (`/api/health`) to call it.
 * `stage` defaults to `$default`, which adds no path segment.
 */
export function localHttpApiUrl(endpoint: string, apiId: string, stage: string = DEFAULT_STAGE): string {
  const base = `${trimEndpoint(endpoint)}/_aws/execute-api/${checkId('HttpApiId', apiId)}`;
  return stage === DEFAULT_STAGE || stage === '' ? base : `${base}/${segment(stage)}`;
}

/**
 * WebSocket URL of a WebSocket API stage on the emulator:
 * `ws://<host:port>/_aws/execute-api/<apiId>/<stage>` (`wss://` for an https endpoint).
 */
export function localWebSocketUrl(endpoint: string, apiId: string, stage: string): string {
  if (!stage) throw new Error('WebSocket stage must not be empty');
  const ws = trimEndpoint(endpoint).replace(/^http(s?):\/\//, (_m, s: string) => `ws${s}://`);
  return `${ws}/_aws/execute-api/${checkId('WebSocketApiId', apiId)}/${segment(stage)}`;
}
