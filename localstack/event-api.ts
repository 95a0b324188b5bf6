/**
 * The AppSync Event API of live campaigns on the emulator.
 *
 * MiniStack's CloudFormation has no provisioner for `AWS::AppSync::Api` /
 * `AWS::AppSync::ChannelNamespace`, so the local deploy synthesizes the stack with
 * `-c eventApi=external` (infra/constructs/broadcast-events.ts is left out) and, after each
 * deploy, {@link applyEventApi} makes the same API through the emulator's management API —
 * like the dead-letter queues (./dead-letters.ts), once, here:
 *
 * - the API `tempora-<env>-live`: connections and subscribes authorized by the stack's Lambda
 *   authorizer (output `EventsAuthorizerArn`), publishes by IAM;
 * - its channel namespace `campaigns` (publish IAM, subscribe Lambda);
 * - the broadcast and ticker functions' `EVENTS_*` variables (lib/config/functions-live.ts
 *   `eventApiEnv`), which infra sets from the declared API on AWS.
 *
 * Idempotent: an API of that name is reused and brought to the declared configuration.
 * Clients reach it by path on the embedded emulator (localstack/ministack_aws.py):
 * `eventsRealtimeUrl` / `eventsHttpUrl` in `.local/outputs.json`.
 */
import {
  type Api,
  AppSyncClient,
  CreateApiCommand,
  CreateChannelNamespaceCommand,
  type EventConfig,
  GetChannelNamespaceCommand,
  ListApisCommand,
  UpdateApiCommand,
  UpdateChannelNamespaceCommand,
} from '@aws-sdk/client-appsync';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { eventApiEndpoints } from '../lib/aws/live-endpoints.ts';
import { EVENTS_NAMESPACE } from '../lib/broadcast/contract-tables.ts';
import { eventApiEnv } from '../lib/config/functions-live.ts';
import type { LocalConfig } from './config.ts';
import { LocalError, step } from './progress.ts';
import { clientConfig, platformOutputs } from './stack.ts';

/** The API's name, as infra/constructs/broadcast-events.ts names it. */
export const eventApiName = (environment: string): string => `tempora-${environment}-live`;

/** An Event API as the platform knows it. */
export interface EventApi {
  apiId: string;
  httpDns: string;
  realtimeDns: string;
}

const LAMBDA = { authType: 'AWS_LAMBDA' } as const;
const IAM = { authType: 'AWS_IAM' } as const;

function eventConfig(authorizerArn: string): EventConfig {
  return {
    authProviders: [
      {
        ...LAMBDA,
        lambdaAuthorizerConfig: { authorizerUri: authorizerArn, authorizerResultTtlInSeconds: 0 },
      },
      IAM,
    ],
    connectionAuthModes: [LAMBDA],
    defaultPublishAuthModes: [IAM],
    defaultSubscribeAuthModes: [LAMBDA],
  };
}

const asEventApi = (api: Api | undefined): EventApi | undefined =>
  api?.apiId && api.dns?.HTTP && api.dns.REALTIME
    ? { apiId: api.apiId, httpDns: api.dns.HTTP, realtimeDns: api.dns.REALTIME }
    : undefined;

async function findApi(client: AppSyncClient, name: string): Promise<Api | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListApisCommand({ nextToken }));
    const found = page.apis?.find((a) => a.name === name);
    if (found) return found;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** The Event API of the stack at `endpoint`: declared by the stack (outputs) or made by {@link applyEventApi}. */
export async function findEventApi(
  cfg: LocalConfig,
  endpoint: string,
  outputs: Record<string, string>,
): Promise<EventApi | undefined> {
  if (outputs.EventsApiId && outputs.EventsHttpDns && outputs.EventsRealtimeDns)
    return {
      apiId: outputs.EventsApiId,
      httpDns: outputs.EventsHttpDns,
      realtimeDns: outputs.EventsRealtimeDns,
    };
  const client = new AppSyncClient(clientConfig(endpoint, cfg.region));
  try {
    return asEventApi(await findApi(client, eventApiName(cfg.environment)));
  } catch {
    return undefined; // an emulator without AppSync Events: the events transport stays off
  } finally {
    client.destroy();
  }
}

/** Create (or bring up to date) the API and its namespace. */
async function ensureApi(client: AppSyncClient, name: string, authorizerArn: string): Promise<EventApi> {
  const config = eventConfig(authorizerArn);
  const existing = await findApi(client, name);
  const api = existing
    ? (await client.send(new UpdateApiCommand({ apiId: existing.apiId, name, eventConfig: config }))).api
    : (await client.send(new CreateApiCommand({ name, eventConfig: config }))).api;
  const made = asEventApi(api ?? existing);
  if (!made) throw new LocalError(`the emulator made Event API ${name} without an id or DNS`);
  const namespace = {
    apiId: made.apiId,
    name: EVENTS_NAMESPACE,
    publishAuthModes: [IAM],
    subscribeAuthModes: [LAMBDA],
  };
  const present = await client
    .send(new GetChannelNamespaceCommand({ apiId: made.apiId, name: EVENTS_NAMESPACE }))
    .then(() => true)
    .catch(() => false);
  await client.send(
    present ? new UpdateChannelNamespaceCommand(namespace) : new CreateChannelNamespaceCommand(namespace),
  );
  return made;
}

/** Give `functionName` the `EVENTS_*` variables of `api` (no update when they are set already). */
async function setFunctionEnv(lambda: LambdaClient, functionName: string, api: EventApi): Promise<boolean> {
  const block = eventApiEnv.render({
    eventsApiId: api.apiId,
    eventsHttpDns: api.httpDns,
    eventsRealtimeDns: api.realtimeDns,
  });
  const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const vars = current.Environment?.Variables ?? {};
  if (Object.entries(block).every(([k, v]) => vars[k] === v)) return false;
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: functionName,
      Environment: { Variables: { ...vars, ...block } },
    }),
  );
  return true;
}

/** The post-deploy step (see the module comment); resolves with the API, or undefined when the stack declares its own. */
export async function applyEventApi(cfg: LocalConfig, endpoint: string): Promise<EventApi | undefined> {
  const outputs = await platformOutputs(endpoint, cfg.region, cfg.stackName);
  if (outputs.EventsApiId) return undefined; // the emulator provisioned the declared API itself
  const authorizer = outputs.EventsAuthorizerArn;
  const functions = [outputs.BroadcastFunctionName, outputs.BroadcastTickerFunctionName];
  if (!authorizer || functions.some((f) => !f))
    throw new LocalError(`stack ${cfg.stackName} lacks EventsAuthorizerArn / Broadcast*FunctionName outputs`);
  const appsync = new AppSyncClient(clientConfig(endpoint, cfg.region));
  const lambda = new LambdaClient(clientConfig(endpoint, cfg.region));
  try {
    const api = await ensureApi(appsync, eventApiName(cfg.environment), authorizer);
    for (const f of functions) await setFunctionEnv(lambda, f as string, api);
    return api;
  } finally {
    appsync.destroy();
    lambda.destroy();
  }
}

/** {@link applyEventApi} as a progress step. */
export async function applyEventApiStep(cfg: LocalConfig, endpoint: string): Promise<EventApi | undefined> {
  const s = step(
    'creating the AppSync Event API of live campaigns (the emulator cannot from CloudFormation)',
  );
  try {
    const api = await applyEventApi(cfg, endpoint);
    const urls =
      api &&
      eventApiEndpoints({
        awsEndpointUrl: endpoint,
        eventsApiId: api.apiId,
        eventsHttpDns: api.httpDns,
        eventsRealtimeDns: api.realtimeDns,
      });
    s.done(urls ? `Event API ${api?.apiId}: ${urls.realtimeUrl}` : 'declared by the stack');
    return api;
  } catch (e) {
    s.fail();
    throw e;
  }
}
