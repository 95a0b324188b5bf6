/**
 * Secrets Manager `GetSecretValue` as one signed HTTPS request, for the JWT signing key.
 *
 * Every HTTP and WebSocket Lambda reads that one secret at cold start (then every 5 minutes).
 * The SDK's Secrets Manager client plus Powertools Parameters cost ~17 KB minified per bundle
 * for this single call; the request (lib/aws/signed-request.ts) reuses what every bundle
 * already carries (SigV4 signer, SHA-256, the credentials from the environment) and adds
 * ~1 KB. The Lambda Parameters and Secrets extension would be lighter still, but it does not
 * exist on the emulator.
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
