/**
 * One SigV4-signed HTTPS request to an AWS API, for the few calls where an SDK client costs more
 * bundle than the call is worth (lib/aws/secrets.ts: Secrets Manager `GetSecretValue`;
 * lib/scheduler/schedules.ts: EventBridge Scheduler's three schedule operations;
 * lib/broadcast/machine.ts: Step Functions' start, stop and describe of an execution). It reuses
 * what every bundle already carries: the SDK's SigV4 signer, SHA-256, the credentials from the
 * environment. Endpoint selection is the client factory's ({@link serviceEndpoint}); retries
 * follow the SDK clients' here (`maxAttempts: 3`, network errors, 5xx and throttling).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { awsRegion, serviceEndpoint } from './clients.ts';

/** Where and as whom requests go (default: the process's region, endpoint and environment credentials). */
export interface SignedTarget {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface SignedRequest {
  /** SigV4 signing name, e.g. `scheduler`. */
  service: string;
  /** Host prefix of the public endpoint (`https://<prefix>.<region>.amazonaws.com`). */
  endpointPrefix: string;
  /** `AWS_ENDPOINT_URL_<envId>` overrides the endpoint, as for the SDK. */
  envId: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A failed AWS call: `type` is the service's error type (e.g. `ConflictException`). */
export class AwsCallError extends Error {
  constructor(
    readonly type: string,
    /** The service's message. */
    readonly detail: string,
    readonly statusCode: number,
  ) {
    super(`${type}: ${detail}`);
    this.name = 'AwsCallError';
  }
}

const signers = new Map<string, SignatureV4>();

function signerFor(service: string, region: string, target: SignedTarget): SignatureV4 {
  const key = `${service}/${region}/${target.credentials?.accessKeyId ?? ''}`;
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({
      service,
      region,
      credentials: target.credentials ?? fromEnv(),
      sha256: Sha256,
    });
    signers.set(key, signer);
  }
  return signer;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<SignedResponse> {
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Send one signed request (no retries: see {@link withRetries}). */
export async function sendSigned(r: SignedRequest, target: SignedTarget = {}): Promise<SignedResponse> {
  const region = target.region ?? awsRegion();
  const base = new URL(target.endpoint ?? serviceEndpoint(r.endpointPrefix, r.envId, region));
  const path = `${base.pathname.replace(/\/+$/, '')}${r.path}`;
  const signed = await signerFor(r.service, region, target).sign({
    method: r.method,
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    path,
    query: r.query ?? {},
    headers: {
      host: base.host,
      ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}),
      ...r.headers,
    },
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const url = new URL(base);
  url.pathname = path;
  for (const [k, v] of Object.entries(r.query ?? {})) url.searchParams.set(k, v);
  return send(url, r.method, signed.headers, r.body);
}

/**
 * The error of a non-2xx answer: its type from `x-amzn-errortype` (REST protocols) or the body's
 * `__type`/`code` (JSON protocols), namespace and URI suffix stripped.
 */
export function callError(res: SignedResponse): AwsCallError {
  let json: Record<string, unknown> = {};
  try {
    json = res.text ? (JSON.parse(res.text) as Record<string, unknown>) : {};
  } catch {
    // not JSON: the status says enough
  }
  const header = res.headers['x-amzn-errortype'];
  const raw = String((Array.isArray(header) ? header[0] : header) ?? json.__type ?? json.code ?? 'Error');
  const type = raw.split(':')[0]?.split('#').pop() || 'Error';
  return new AwsCallError(type, String(json.message ?? json.Message ?? `HTTP ${res.status}`), res.status);
}

/** Attempts per call, as the SDK clients here (`maxAttempts: 3`). */
export const MAX_ATTEMPTS = 3;

/** Network errors, 5xx and throttling are worth another attempt; a verdict (4xx) is not. */
export function retryable(e: unknown): boolean {
  if (!(e instanceof Error) || !('statusCode' in e)) return true;
  const { statusCode, type } = e as Error & { statusCode: number; type?: string };
  return statusCode >= 500 || statusCode === 429 || /Throttl|TooManyRequests/.test(String(type));
}

/** `call` until it succeeds, a non-retryable error, or {@link MAX_ATTEMPTS}; jittered backoff. */
export async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!retryable(e) || attempt >= MAX_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt * Math.random()));
    }
  }
}
