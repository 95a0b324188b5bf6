/**
 * Secrets Manager `GetSecretValue` as one signed HTTPS request, for the JWT signing key.
 *
 * Every HTTP and WebSocket Lambda reads that one secret at cold start (then every 5 minutes).
 * The SDK's Secrets Manager client plus Powertools Parameters cost ~17 KB minified per bundle
 * for this single call; the request below reuses what every bundle already carries (SigV4
 * signer, SHA-256, the credentials from the environment) and adds ~1 KB. The Lambda
 * Parameters and Secrets extension would be lighter still, but it does not exist on the
 * emulator. Endpoint selection is the client factory's (lib/aws/clients.ts).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { awsRegion, serviceEndpoint } from './clients.ts';

/** A failed Secrets Manager call: `name` is the service's error type (e.g. `ResourceNotFoundException`). */
export class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(`Secrets Manager ${type}: ${message}`);
    this.name = 'SecretsManagerError';
  }
}

let signer: SignatureV4 | undefined;

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('Secrets Manager request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Attempts per read, as the SDK clients here (`maxAttempts: 3`): network errors, 5xx and throttling are retried. */
const MAX_ATTEMPTS = 3;
const retryable = (status: number, type: string): boolean =>
  status >= 500 || status === 429 || /Throttl|TooManyRequests/.test(type);

/** The `SecretString` of `secretId` (name or ARN); throws {@link SecretsManagerError} when the call fails. */
export async function getSecretString(secretId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getSecretOnce(secretId);
    } catch (e) {
      const again = e instanceof SecretsManagerError ? retryable(e.statusCode, e.type) : true;
      if (!again || attempt >= MAX_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt * Math.random()));
    }
  }
}

async function getSecretOnce(secretId: string): Promise<string> {
  const region = awsRegion();
  const url = new URL(serviceEndpoint('secretsmanager', 'SECRETS_MANAGER', region));
  signer ??= new SignatureV4({ service: 'secretsmanager', region, credentials: fromEnv(), sha256: Sha256 });
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  const res = await post(url, signed.headers, body);
  const json = (res.text ? JSON.parse(res.text) : {}) as {
    SecretString?: unknown;
    __type?: unknown;
    message?: unknown;
    Message?: unknown;
  };
  if (res.status !== 200) {
    const type =
      String(json.__type ?? 'Error')
        .split('#')
        .pop() ?? 'Error';
    throw new SecretsManagerError(
      type,
      String(json.message ?? json.Message ?? `HTTP ${res.status}`),
      res.status,
    );
  }
  if (typeof json.SecretString !== 'string')
    throw new SecretsManagerError('NoSecretString', secretId, res.status);
  return json.SecretString;
}
