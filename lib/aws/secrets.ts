/**
 * Secrets Manager `GetSecretValue` as one signed HTTPS request, for the JWT signing key.
 *
 * Every HTTP and WebSocket Lambda reads that one secret at cold start (then every 5 minutes).
 * The SDK's Secrets Manager client plus Powertools Parameters cost ~17 KB minified per bundle
 * for this single call; the request (lib/aws/signed-request.ts) reuses what every bundle
 * already carries (SigV4 signer, SHA-256, the credentials from the environment) and adds
 * ~1 KB. The Lambda Parameters and Secrets extension would be lighter still, but it does not
 * exist on the emulator.
 *
 * Measured for issue 25 (esbuild with infra/bundling.ts): Powertools Parameters' SecretsProvider
 * with its SDK client takes localization to 402 KB and broadcast to 404 KB (over the 400 KB
 * budget; +14-17 KB each). With this request as its client it would fit (+4 KB), but its cache
 * (max age, forced fetch) is not what the key sources need: lib/auth/refreshing.ts gives both
 * (this secret and the issuers' JWKS) single flight, stale-if-error and a rate-limited forced
 * refresh on an unknown key id, so Parameters would be a second cache in front of it.
 */
import { AwsCallError, callError, sendSigned, withRetries } from './signed-request.ts';

/** A failed Secrets Manager call: `type` is the service's error type (e.g. `ResourceNotFoundException`). */
export class SecretsManagerError extends AwsCallError {
  constructor(type: string, message: string, statusCode: number) {
    super(type, message, statusCode);
    this.message = `Secrets Manager ${type}: ${message}`;
    this.name = 'SecretsManagerError';
  }
}

/** The `SecretString` of `secretId` (name or ARN); throws {@link SecretsManagerError} when the call fails. */
export function getSecretString(secretId: string): Promise<string> {
  return withRetries(() => getSecretOnce(secretId));
}

async function getSecretOnce(secretId: string): Promise<string> {
  const res = await sendSigned({
    service: 'secretsmanager',
    endpointPrefix: 'secretsmanager',
    envId: 'SECRETS_MANAGER',
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body: JSON.stringify({ SecretId: secretId }),
  });
  if (res.status !== 200) {
    const e = callError(res);
    throw new SecretsManagerError(e.type, e.detail, e.statusCode);
  }
  const json = JSON.parse(res.text) as { SecretString?: unknown };
  if (typeof json.SecretString !== 'string')
    throw new SecretsManagerError('NoSecretString', secretId, res.status);
  return json.SecretString;
}
