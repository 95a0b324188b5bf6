/**
 * The one place where AWS SDK clients are made, and the one place that knows how an endpoint
 * is chosen. Clients are created once per process (reused across warm invocations).
 *
 * Endpoints follow the SDK's own rules: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`,
 * then the public AWS endpoint. That is how the emulator is reached both from tests and from
 * Lambdas running on it (it starts every function with `AWS_ENDPOINT_URL`). Requests made
 * without an SDK client (lib/aws/signed-request.ts) resolve theirs with {@link serviceEndpoint}.
 * Credentials: in a bundled Lambda, the environment's (see lib/aws/env-credentials.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TranslateClient } from '@aws-sdk/client-translate';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const common = { maxAttempts: 3 } as const;

let ddb: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let translate: TranslateClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient(common), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return ddb;
}

export function eventBridgeClient(): EventBridgeClient {
  events ??= new EventBridgeClient(common);
  return events;
}

export function translateClient(): TranslateClient {
  translate ??= new TranslateClient(common);
  return translate;
}

/** The region this process runs in (`AWS_REGION`, set by Lambda and by the emulator). */
export function awsRegion(env: NodeJS.ProcessEnv = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  return region;
}

/**
 * Base URL of a service, as the SDK would pick it: `AWS_ENDPOINT_URL_<envId>` (e.g.
 * `SECRETS_MANAGER`), else `AWS_ENDPOINT_URL` (the emulator), else
 * `https://<endpointPrefix>.<region>.amazonaws.com`.
 */
export function serviceEndpoint(
  endpointPrefix: string,
  envId: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = env[`AWS_ENDPOINT_URL_${envId}`] ?? env.AWS_ENDPOINT_URL;
  if (override) return override.replace(/\/+$/, '');
  return `https://${endpointPrefix}.${region}.amazonaws.com`;
}
