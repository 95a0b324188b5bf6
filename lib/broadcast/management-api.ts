/**
 * `PostToConnection` through the API Gateway Management API, shaped as the
 * {@link PostToConnection} function the fan-out needs.
 *
 * One client per endpoint and process (reused by warm invocations), on kept-alive HTTP(S)
 * agents sized to the fan-out's concurrency, so posts reuse sockets instead of paying a
 * TCP + TLS handshake each. Tuned for broadcast frames, which are stale one period later:
 * - no retries by default (`maxAttempts: 1`): the connection's next frame supersedes a
 *   failed one, and a retry would only hold the connection "in flight" longer;
 * - a request timeout (default 3 s): a hung post would otherwise hold its pool slot, and
 *   its connection would drop every frame, for the SDK's 5-minute socket default;
 * - `cacheMiddleware`: the SDK resolves the middleware stack once instead of per post.
 *
 * `410 Gone` (`GoneException`) resolves `'gone'`; any other error is thrown.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { PostResult, PostToConnection } from './fanout.ts';

/** Options of {@link managementApiPoster} (used when the endpoint's client is created). */
export interface ManagementApiOptions {
  /** Sockets per agent (default 128, the fan-out's default concurrency). */
  maxSockets?: number;
  /** SDK attempts per post (default 1: no retry). */
  maxAttempts?: number;
  /** Per-request timeout in ms (default 3000); a timed-out post throws. */
  requestTimeoutMs?: number;
  /** Region; default: parsed from an `execute-api` endpoint, else the SDK's own resolution. */
  region?: string;
  /** Credentials; default: the SDK's provider chain (the Lambda role). */
  credentials?: ApiGatewayManagementApiClientConfig['credentials'];
}

const clients = new Map<string, ApiGatewayManagementApiClient>();

/**
 * The management API endpoint for a WebSocket API URL or callback URL: `wss://` and `ws://`
 * become `https://` and `http://`; a trailing slash is removed.
 * (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` stays as it is.)
 */
export function managementEndpoint(url: string): string {
  return url
    .replace(/^wss:\/\//i, 'https://')
    .replace(/^ws:\/\//i, 'http://')
    .replace(/\/+$/, '');
}

/** Region of an `execute-api` endpoint, if the host names one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/i.exec(endpoint)?.[1]?.toLowerCase();
}

/** True when an error from `PostToConnection` means the connection is gone (410). */
export function isGoneError(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown }; statusCode?: unknown };
  return e.name === 'GoneException' || e.$metadata?.httpStatusCode === 410 || e.statusCode === 410;
}

/** The shared client of `endpoint`, created on first use (later calls' options are ignored). */
export function managementApiClient(
  endpoint: string,
  opts: ManagementApiOptions = {},
): ApiGatewayManagementApiClient {
  const url = managementEndpoint(endpoint);
  let client = clients.get(url);
  if (client === undefined) {
    const maxSockets = opts.maxSockets ?? 128;
    const region = opts.region ?? regionOfEndpoint(url);
    client = new ApiGatewayManagementApiClient({
      endpoint: url,
      ...(region === undefined ? {} : { region }),
      ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
      maxAttempts: opts.maxAttempts ?? 1,
      cacheMiddleware: true,
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
        requestTimeout: opts.requestTimeoutMs ?? 3000,
        throwOnRequestTimeout: true,
      },
    });
    clients.set(url, client);
  }
  return client;
}

/** A {@link PostToConnection} for `endpoint` (see the module comment for its behaviour). */
export function managementApiPoster(endpoint: string, opts: ManagementApiOptions = {}): PostToConnection {
  const client = managementApiClient(endpoint, opts);
  return async (connectionId: string, data: Uint8Array | string): Promise<PostResult> => {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      return 'ok';
    } catch (error) {
      if (isGoneError(error)) return 'gone';
      throw error;
    }
  };
}
