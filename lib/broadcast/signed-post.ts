/**
 * The lean post path: `PostToConnection` of the API Gateway Management API without the AWS
 * SDK's command stack per frame.
 *
 * Measured on the broadcast bench, one SDK `PostToConnectionCommand` costs ~1 ms of CPU
 * (middleware stack, endpoint rules, serde, retry bookkeeping), which caps one broadcaster
 * near 1,000 frames/s. A frame post is one signed `POST /<stage>/@connections/<id>`, so
 * this module sends exactly that:
 * - kept-alive sockets per management endpoint (per process, reused by warm invocations),
 *   `maxSockets` sized to the fan-out's concurrency, through the minimal HTTP/1.1 client of
 *   `./wire.ts` (~15 µs of CPU per request where `node:http` takes ~67: see there);
 * - SigV4 by the SDK's own signer (`@smithy/signature-v4`, service `execute-api`) with
 *   `node:crypto` hashing; the signer caches the derived signing key for its day;
 * - credentials from the function's environment, refreshed before they expire
 *   ({@link RefreshingCredentials});
 * - same semantics as the SDK poster it replaces: `2xx` → `'ok'`, `410` → `'gone'`,
 *   `429` (`LimitExceededException`) → `'throttled'` (the frame is dropped and the budget
 *   slows down: never retried), a request timeout (default 3 s), no retries at all (the
 *   next frame supersedes a failed one); any other answer or a socket error throws a
 *   {@link PostError} for that frame only.
 */
import type { AwsCredentials, CredentialSource } from './credentials.ts';
import type { PostResult, PostToConnection } from './fanout.ts';
import { errorCodeOf, SignedClient, type SignedRequest, WireError } from './signed-client.ts';
import { encodeLabel, toBuffer } from './sigv4.ts';
import { headerOf } from './wire.ts';

/** A post that failed for a reason other than 410/429 (status 0: no answer). */
export class PostError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PostError';
  }
}

export interface SignedPosterOptions {
  /** Region; default: parsed from an `execute-api` host, else `AWS_REGION`, else us-east-1. */
  region?: string;
  /** Default: the environment's credentials, refreshed before they expire. */
  credentials?: CredentialSource;
  /** Sockets of the endpoint's agent (default 128, the fan-out's default concurrency). */
  maxSockets?: number;
  /** Per-request timeout in ms (default 3000): a post without an answer by then fails. */
  requestTimeoutMs?: number;
  /** Epoch ms clock for the signature date (default `Date.now`). */
  now?: () => number;
  /** Told about a failed background credentials refresh (the current ones stay in use). */
  onCredentialsError?: (error: unknown) => void;
}

/** Region of an `execute-api` or AppSync endpoint, if its host names one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return /\.(?:execute-api|appsync-api)\.([a-z0-9-]+)\.amazonaws\.com/i.exec(endpoint)?.[1]?.toLowerCase();
}

/** The request {@link SignedPoster} sends for one frame, before and after signing. */
export type PostRequest = SignedRequest;

/** `PostToConnection` over a kept-alive agent with SigV4 per request; see the module comment. */
export class SignedPoster {
  readonly endpoint: URL;
  readonly region: string;
  readonly #client: SignedClient;
  readonly #now: () => number;

  constructor(endpoint: string, opts: SignedPosterOptions = {}) {
    const url = new URL(endpoint.replace(/^wss:/i, 'https:').replace(/^ws:/i, 'http:'));
    this.endpoint = url;
    this.region = opts.region ?? regionOfEndpoint(url.hostname) ?? process.env.AWS_REGION ?? 'us-east-1';
    this.#now = opts.now ?? Date.now;
    this.#client = new SignedClient(endpoint, {
      region: this.region,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      maxSockets: opts.maxSockets ?? 128,
      requestTimeoutMs: opts.requestTimeoutMs ?? 3000,
      now: this.#now,
      ...(opts.onCredentialsError ? { onCredentialsError: opts.onCredentialsError } : {}),
    });
  }

  /** The post as a {@link PostToConnection} (bound: pass it around freely). */
  readonly post: PostToConnection = async (connectionId, data) => {
    const signed = await this.sign(connectionId, data, this.#now());
    return this.#request(signed);
  };

  /** The signed request for one frame at `atMs` (exposed for tests). */
  sign(connectionId: string, data: Uint8Array | string, atMs: number): Promise<PostRequest> {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data);
    return this.#client.sign(
      `${this.#client.basePath}/@connections/${encodeLabel(connectionId)}`,
      body,
      atMs,
    );
  }

  /** Close the kept-alive sockets (tests, benches). */
  close(): void {
    this.#client.close();
  }

  /** The credentials currently used (for tests and diagnostics). */
  credentials(): AwsCredentials | Promise<AwsCredentials> {
    return this.#client.credentials();
  }

  async #request(signed: PostRequest): Promise<PostResult> {
    let answer: Awaited<ReturnType<SignedClient['send']>>;
    try {
      answer = await this.#client.send(signed);
    } catch (error) {
      if (error instanceof WireError) throw new PostError(error.message, 0, error.code);
      throw error;
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return 'ok';
    const text = answer.body.toString('utf8', 0, Math.min(answer.body.length, 2000)).slice(0, 500);
    const code = headerOf(answer.head, 'x-amzn-errortype')?.split(':')[0] || errorCodeOf(text);
    if (status === 410) return 'gone';
    if (status === 429 || code === 'LimitExceededException') return 'throttled';
    throw new PostError(`PostToConnection answered ${status}: ${text}`, status, code || `Http${status}`);
  }
}

const posters = new Map<string, SignedPoster>();

/** The shared {@link SignedPoster} of `endpoint` (one agent per endpoint and process). */
export function signedPoster(endpoint: string, opts: SignedPosterOptions = {}): SignedPoster {
  let poster = posters.get(endpoint);
  if (poster === undefined) {
    poster = new SignedPoster(endpoint, opts);
    posters.set(endpoint, poster);
  }
  return poster;
}
