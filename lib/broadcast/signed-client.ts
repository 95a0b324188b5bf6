/**
 * A SigV4-signed POST over kept-alive sockets: what the broadcaster's two hot requests share,
 * `PostToConnection` ({@link SignedPoster}) and an Event API publish (`EventPublisher`).
 *
 * - sockets from the minimal HTTP/1.1 client of `./wire.ts` (~15 µs of CPU per request where
 *   `node:http` takes ~67), at most `maxSockets`, kept alive and reused by warm invocations;
 * - SigV4 by {@link PostSigner} for the one request shape (the payload hash once per body,
 *   the signing key once per day);
 * - credentials from the function's environment, refreshed before they expire.
 *
 * `connectTo` is where the sockets go; `host` is the `Host` header and the signed host. They
 * differ only on the emulator, which routes an Event API by `Host` (lib/aws/live-endpoints.ts).
 */
import {
  type AwsCredentials,
  type CredentialSource,
  fromEnvironment,
  RefreshingCredentials,
} from './credentials.ts';
import { PostSigner } from './sigv4.ts';
import { WireClient, WireError, type WireResponse } from './wire.ts';

export interface SignedClientOptions {
  region: string;
  /** SigV4 service name, e.g. `execute-api` or `appsync`. */
  service?: string;
  contentType?: string;
  /** `Host` header and signed host (default: `connectTo`'s host). */
  host?: string;
  credentials?: CredentialSource;
  maxSockets?: number;
  /** A request without an answer by then fails (default 3,000 ms). */
  requestTimeoutMs?: number;
  now?: () => number;
  onCredentialsError?: (error: unknown) => void;
}

/** A request as signed, before it is written (exposed for tests). */
export interface SignedRequest {
  method: 'POST';
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

export class SignedClient {
  readonly url: URL;
  readonly region: string;
  readonly #signer: PostSigner;
  readonly #credentials: RefreshingCredentials;
  readonly #wire: WireClient;
  readonly #now: () => number;

  constructor(connectTo: string, opts: SignedClientOptions) {
    this.url = new URL(connectTo.replace(/^wss:/i, 'https:').replace(/^ws:/i, 'http:'));
    const https = this.url.protocol === 'https:';
    this.#wire = new WireClient({
      protocol: https ? 'https:' : 'http:',
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : https ? 443 : 80,
      maxSockets: opts.maxSockets ?? 128,
      timeoutMs: opts.requestTimeoutMs ?? 3000,
    });
    this.region = opts.region;
    this.#now = opts.now ?? Date.now;
    this.#credentials = new RefreshingCredentials(opts.credentials ?? fromEnvironment(), {
      ...(opts.onCredentialsError ? { onError: opts.onCredentialsError } : {}),
    });
    this.#signer = new PostSigner({
      region: opts.region,
      host: opts.host ?? this.url.host,
      ...(opts.service ? { service: opts.service } : {}),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
    });
  }

  /** The base path of `connectTo` (no trailing slash). */
  get basePath(): string {
    return this.url.pathname.replace(/\/+$/, '');
  }

  /** The signed request POSTing `body` to `path` at `atMs` (default now). */
  async sign(path: string, body: Buffer, atMs: number = this.#now()): Promise<SignedRequest> {
    const creds = await this.#credentials.get();
    return {
      method: 'POST',
      protocol: this.url.protocol === 'https:' ? 'https:' : 'http:',
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path,
      query: {},
      headers: await this.#signer.headers(path, body, atMs, creds),
      body,
    };
  }

  /** Sign and send; a socket error or timeout is a {@link WireError}. */
  async post(path: string, body: Buffer): Promise<WireResponse> {
    return this.send(await this.sign(path, body));
  }

  /** Send a signed request. */
  send(signed: SignedRequest): Promise<WireResponse> {
    let head = `POST ${signed.path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(signed.headers)) head += `${name}: ${value}\r\n`;
    return this.#wire.request(`${head}\r\n`, signed.body);
  }

  /** The credentials currently used (tests, diagnostics). */
  credentials(): AwsCredentials | Promise<AwsCredentials> {
    return this.#credentials.get();
  }

  /** Close the kept-alive sockets (tests, benches). */
  close(): void {
    this.#wire.close();
  }
}

export { WireError };

/** `__type` or `code` of an AWS JSON error body, or `errorType` of an AppSync one, if any. */
export function errorCodeOf(text: string): string {
  const match = /"(?:__type|code|errorType)"\s*:\s*"([^"#]*#)?([^"]+)"/.exec(text);
  return match?.[2] ?? '';
}
