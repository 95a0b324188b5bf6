/**
 * The S3 client (a file of its own so that the functions that never touch S3 do not bundle
 * it). Endpoints follow the SDK's rules as in ./clients.ts; when the endpoint is an emulator's
 * (given, or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`), requests use path-style addressing:
 * the emulators serve `<endpoint>/<bucket>/<key>`, and `<bucket>.127.0.0.1` resolves nowhere.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** True when S3 is reached through an endpoint of its own (an emulator), not AWS's. */
export function usesCustomS3Endpoint(
  config: Pick<S3ClientConfig, 'endpoint'> = {},
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return Boolean(config.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
}

/** A new S3 client; `config` may name the emulator's endpoint, region and credentials. */
export function s3Client(config: S3ClientConfig = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    maxAttempts: 3,
    ...config,
    ...(usesCustomS3Endpoint(config, env) ? { forcePathStyle: true } : {}),
  });
}
