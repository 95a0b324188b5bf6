/**
 * The one place where AWS SDK clients are made. Clients are created once per process
 * (reused across warm invocations) with keep-alive sockets. Endpoint selection follows
 * the SDK's own `AWS_ENDPOINT_URL` support, which is how the emulator is reached both
 * from tests and from Lambdas running on it; nothing else here is emulator-specific.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const common = { maxAttempts: 3 } as const;

let ddb: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let sfn: SFNClient | undefined;

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

export function stepFunctionsClient(): SFNClient {
  sfn ??= new SFNClient(common);
  return sfn;
}
