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
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { getSigningKey } from '@smithy/signature-v4';
import {
  type AwsCredentials,
  type CredentialSource,
  fromEnvironment,
  RefreshingCredentials,
} from './credentials.ts';
import type { PostResult, PostToConnection } from './fanout.ts';
import { headerOf, WireClient, WireError } from './wire.ts';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  Buffer.isBuffer(data)
    ? data
    : typeof data === 'string'
      ? Buffer.from(data, 'utf8')
      : ArrayBuffer.isView(data)
        ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
        : Buffer.from(data);

/** SHA-256 / HMAC-SHA-256 on `node:crypto`, in the shape the smithy signer expects. */
export class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#hash = this.#fresh();
  }

  update(data: SourceData): void {
    this.#hash.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

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

/** Region of an `execute-api` endpoint, if its host names one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/i.exec(endpoint)?.[1]?.toLowerCase();
}

/** `encodeURIComponent` plus `!'()*`, as the SDK encodes a path label. */
const encodeLabel = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * SigV4 for the one request shape this module sends (POST, no query, fixed headers), on
 * `node:crypto`: one SHA-256 of the canonical request and one HMAC per post, the payload
 * hash computed once per frame (every connection of a tick gets the same bytes), the
 * date strings once per second, and the derived signing key once per day and credentials
 * (the smithy signer's `getSigningKey` derives it). Measured on the bench: ~49 µs of CPU per
 * request through `SignatureV4.sign` (request cloning, header canonicalisation, an HMAC of
 * the credentials per call to look its key cache up, a dozen awaits), a few µs here.
 * `test/unit/broadcast.signed-post.test.ts` proves the output equal to `SignatureV4.sign`.
 */
export class PostSigner {
  readonly #region: string;
  readonly #host: string;
  #payloadFor: Buffer | undefined;
  #payloadHash = '';
  #dateSecond = -1;
  #amzDate = '';
  #shortDate = '';
  #keyFor = '';
  #key: Buffer = Buffer.alloc(0);
  #scope = '';

  constructor(opts: { region: string; host: string }) {
    this.#region = opts.region;
    this.#host = opts.host;
  }

  /** Headers (with `authorization`) for POSTing `body` to `path` at `atMs` with `creds`. */
  async headers(
    path: string,
    body: Buffer,
    atMs: number,
    creds: AwsCredentials,
  ): Promise<Record<string, string>> {
    const second = Math.floor(atMs / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#amzDate = new Date(second * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      this.#shortDate = this.#amzDate.slice(0, 8);
    }
    const keyFor = `${this.#shortDate}\n${creds.accessKeyId}\n${creds.secretAccessKey}\n${creds.sessionToken ?? ''}`;
    if (keyFor !== this.#keyFor) {
      const key = await getSigningKey(NodeSha256, creds, this.#shortDate, this.#region, SERVICE);
      this.#key = Buffer.from(key);
      this.#keyFor = keyFor;
      this.#scope = `${this.#shortDate}/${this.#region}/${SERVICE}/aws4_request`;
    }
    if (body !== this.#payloadFor) {
      this.#payloadFor = body;
      this.#payloadHash = createHash('sha256').update(body).digest('hex');
    }
    const length = String(body.byteLength);
    const token = creds.sessionToken;
    const signedHeaders = token === undefined ? SIGNED_HEADERS : SIGNED_HEADERS_WITH_TOKEN;
    const canonical =
      `POST\n${canonicalPath(path)}\n\ncontent-length:${length}\ncontent-type:${CONTENT_TYPE}\n` +
      `host:${this.#host}\nx-amz-content-sha256:${this.#payloadHash}\nx-amz-date:${this.#amzDate}\n` +
      (token === undefined ? '' : `x-amz-security-token:${token}\n`) +
      `\n${signedHeaders}\n${this.#payloadHash}`;
    const stringToSign = `${ALGORITHM}\n${this.#amzDate}\n${this.#scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.#key).update(stringToSign).digest('hex');
    const headers: Record<string, string> = {
      host: this.#host,
      'content-type': CONTENT_TYPE,
      'content-length': length,
      'x-amz-content-sha256': this.#payloadHash,
      'x-amz-date': this.#amzDate,
      authorization: `${ALGORITHM} Credential=${creds.accessKeyId}/${this.#scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
    if (token !== undefined) headers['x-amz-security-token'] = token;
    return headers;
  }
}

const SERVICE = 'execute-api';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const CONTENT_TYPE = 'application/octet-stream';
const SIGNED_HEADERS = 'content-length;content-type;host;x-amz-content-sha256;x-amz-date';
const SIGNED_HEADERS_WITH_TOKEN = `${SIGNED_HEADERS};x-amz-security-token`;

/** SigV4's canonical URI of an (already label-encoded) path: each segment encoded again. */
function canonicalPath(path: string): string {
  const segments = path.split('/').filter((s) => s.length > 0 && s !== '.');
  return `/${segments.map(encodeLabel).join('/')}`;
}

/** The request {@link SignedPoster} sends for one frame, before and after signing. */
export interface PostRequest {
  method: 'POST';
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

/** `PostToConnection` over a kept-alive agent with SigV4 per request; see the module comment. */
export class SignedPoster {
  readonly endpoint: URL;
  readonly region: string;
  readonly #signer: PostSigner;
  readonly #credentials: RefreshingCredentials;
  readonly #wire: WireClient;
  readonly #basePath: string;
  readonly #host: string;
  readonly #now: () => number;

  constructor(endpoint: string, opts: SignedPosterOptions = {}) {
    this.endpoint = new URL(endpoint.replace(/^wss:/i, 'https:').replace(/^ws:/i, 'http:'));
    const https = this.endpoint.protocol === 'https:';
    this.#wire = new WireClient({
      protocol: https ? 'https:' : 'http:',
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : https ? 443 : 80,
      maxSockets: opts.maxSockets ?? 128,
      timeoutMs: opts.requestTimeoutMs ?? 3000,
    });
    this.#basePath = this.endpoint.pathname.replace(/\/+$/, '');
    this.#host = this.endpoint.host;
    this.#now = opts.now ?? Date.now;
    this.#credentials = new RefreshingCredentials(opts.credentials ?? fromEnvironment(), {
      ...(opts.onCredentialsError ? { onError: opts.onCredentialsError } : {}),
    });
    const region =
      opts.region ?? regionOfEndpoint(this.endpoint.hostname) ?? process.env.AWS_REGION ?? 'us-east-1';
    this.region = region;
    this.#signer = new PostSigner({ region, host: this.#host });
  }

  /** The post as a {@link PostToConnection} (bound: pass it around freely). */
  readonly post: PostToConnection = async (connectionId, data) => {
    const signed = await this.sign(connectionId, data, this.#now());
    return this.#request(signed);
  };

  /** The signed request for one frame at `atMs` (exposed for tests). */
  async sign(connectionId: string, data: Uint8Array | string, atMs: number): Promise<PostRequest> {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data);
    const path = `${this.#basePath}/@connections/${encodeLabel(connectionId)}`;
    const creds = await this.#credentials.get();
    return {
      method: 'POST',
      protocol: this.endpoint.protocol === 'https:' ? 'https:' : 'http:',
      hostname: this.endpoint.hostname,
      ...(this.endpoint.port ? { port: Number(this.endpoint.port) } : {}),
      path,
      query: {},
      headers: await this.#signer.headers(path, body, atMs, creds),
      body,
    };
  }

  /** Close the kept-alive sockets (tests, benches). */
  close(): void {
    this.#wire.close();
  }

  /** The credentials currently used (for tests and diagnostics). */
  credentials(): AwsCredentials | Promise<AwsCredentials> {
    return this.#credentials.get();
  }

  async #request(signed: PostRequest): Promise<PostResult> {
    let head = `POST ${signed.path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(signed.headers)) head += `${name}: ${value}\r\n`;
    let answer: Awaited<ReturnType<WireClient['request']>>;
    try {
      answer = await this.#wire.request(`${head}\r\n`, signed.body);
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

/** `__type` or `code` of an AWS JSON error body, if any. */
function errorCodeOf(text: string): string {
  const match = /"(?:__type|code)"\s*:\s*"([^"#]*#)?([^"]+)"/.exec(text);
  return match?.[2] ?? '';
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
