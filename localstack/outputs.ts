/**
 * `.local/outputs.json`: everything a test or a developer needs to call the local platform.
 * This shape is a contract (tests read it through test/integration/support/outputs.ts);
 * add fields, do not rename them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { eventApiEndpoints } from '../lib/aws/live-endpoints.ts';
import { DEFAULT_STAGE, localHttpApiUrl, localWebSocketUrl } from './urls.ts';

/** Bearer JWTs, one per role, signed with the stack's JWT secret. */
export interface DevTokens {
  admin: string;
  user: string;
  service: string;
}

/** Contents of `.local/outputs.json`. */
export interface LocalOutputs {
  /** Emulator base URL, e.g. `http://127.0.0.1:4566`. */
  endpoint: string;
  region: string;
  /** `TEMPORA_ENV` of the deployment, e.g. `dev`. */
  environment: string;
  /** e.g. `Tempora-dev`. */
  stackName: string;
  /** Base URL of the HTTP API: `httpApiUrl + '/api/health'` reaches the health route. */
  httpApiUrl: string;
  /** `ws://.../_aws/execute-api/<apiId>/<stage>`; present when the stack outputs `WebSocketApiId`. */
  webSocketUrl?: string;
  /**
   * The live campaigns' AppSync Event API (the `events` transport), reachable by path on the
   * embedded emulator: `ws://…/_tempora/appsync-events/<apiId>/event/realtime` (subscribe with
   * the `aws-appsync-event-ws` protocol) and `http://…/event` (publish: the broadcaster only).
   */
  eventsRealtimeUrl?: string;
  eventsHttpUrl?: string;
  /** The Event API's HTTP host, named as `host` in a client's authorization header. */
  eventsHttpHost?: string;
  /** The operator console (`<httpApiUrl>/console`); present when the stack outputs `ConsoleUrl`. */
  consoleUrl?: string;
  eventBusName: string;
  /** Physical table names by short name: output `TableMetadataMaster` becomes key `metadataMaster`. */
  tables: Record<string, string>;
  tokens: DevTokens;
  /** The local OIDC issuer the stack trusts (`tempora token --issuer oidc` mints its tokens), when published. */
  oidcIssuer?: string;
  /** Every CloudFormation output of the stack, verbatim. */
  stackOutputs: Record<string, string>;
  /** The stack's dead-letter queues, with the messages waiting when the deploy ended (`npx tempora dlq list` for now). */
  deadLetterQueues?: DeadLetterEntry[];
}

/** One dead-letter queue in the outputs file. */
export interface DeadLetterEntry {
  /** Short name, as `npx tempora dlq redrive <name>` takes it. */
  name: string;
  url: string;
  /** What dead-letters into it: `function <name>` or `rule-target <function name>`. */
  feeds: string[];
  /** Messages waiting (visible or in flight) after the deploy. */
  waiting: number;
}

/** Inputs of {@link buildLocalOutputs}. */
export interface OutputsInput {
  endpoint: string;
  region: string;
  environment: string;
  stackName: string;
  stackOutputs: Record<string, string>;
  tokens: DevTokens;
  oidcIssuer?: string;
  /** The Event API (declared by the stack, or made after deploy by event-api.ts). */
  eventApi?: { apiId: string; httpDns: string; realtimeDns: string } | undefined;
}

/** Outputs the stack must have for the local platform to be usable. */
export const REQUIRED_OUTPUTS = ['HttpApiId', 'JwtSecretArn', 'EventBusName'] as const;

/** Short table names from outputs named `Table<Name>`: `TableMetadataMaster` → `metadataMaster`. */
export function tablesFromOutputs(stackOutputs: Record<string, string>): Record<string, string> {
  const tables: Record<string, string> = {};
  for (const [key, value] of Object.entries(stackOutputs).sort(([a], [b]) => a.localeCompare(b))) {
    const m = /^Table([A-Z0-9][A-Za-z0-9]*)$/.exec(key);
    if (m?.[1]) tables[m[1].charAt(0).toLowerCase() + m[1].slice(1)] = value;
  }
  return tables;
}

/** Throws, listing what the stack does output, unless every required output is present. */
export function assertRequiredOutputs(stackName: string, stackOutputs: Record<string, string>): void {
  const missing = REQUIRED_OUTPUTS.filter((k) => !stackOutputs[k]);
  if (missing.length > 0) {
    const present = Object.keys(stackOutputs).sort().join(', ') || 'none';
    throw new Error(`stack ${stackName} lacks output(s) ${missing.join(', ')} (it has: ${present})`);
  }
}

/** Assembles the outputs file from the stack's outputs (pure). */
export function buildLocalOutputs(input: OutputsInput): LocalOutputs {
  const o = input.stackOutputs;
  assertRequiredOutputs(input.stackName, o);
  const out: LocalOutputs = {
    endpoint: input.endpoint.replace(/\/+$/, ''),
    region: input.region,
    environment: input.environment,
    stackName: input.stackName,
    httpApiUrl: localHttpApiUrl(input.endpoint, o.HttpApiId!, o.HttpApiStage || DEFAULT_STAGE),
    eventBusName: o.EventBusName!,
    tables: tablesFromOutputs(o),
    tokens: input.tokens,
    ...(input.oidcIssuer ? { oidcIssuer: input.oidcIssuer } : {}),
    stackOutputs: o,
  };
  if (o.ConsoleUrl) out.consoleUrl = `${out.httpApiUrl}/console`;
  const events =
    input.eventApi &&
    eventApiEndpoints({
      awsEndpointUrl: out.endpoint,
      eventsApiId: input.eventApi.apiId,
      eventsHttpDns: input.eventApi.httpDns,
      eventsRealtimeDns: input.eventApi.realtimeDns,
    });
  if (events) {
    out.eventsRealtimeUrl = events.realtimeUrl;
    out.eventsHttpUrl = events.httpUrl;
    out.eventsHttpHost = events.httpHost;
  }
  if (o.WebSocketApiId) {
    if (!o.WebSocketStage)
      throw new Error(`stack ${input.stackName} outputs WebSocketApiId but not WebSocketStage`);
    out.webSocketUrl = localWebSocketUrl(input.endpoint, o.WebSocketApiId, o.WebSocketStage);
  }
  return out;
}

/** The console link that signs in as `token` and opens the graph (the page drops the token from the address). */
export function consoleLink(consoleUrl: string, token: string): string {
  return `${consoleUrl}?token=${encodeURIComponent(token)}#/graph`;
}

/** Writes the file atomically (temp file + rename) so readers never see half of it. */
export function writeLocalOutputs(file: string, outputs: LocalOutputs): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(outputs, null, 2)}\n`);
  renameSync(tmp, file);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads and checks the file; throws with the next step to take when it is missing or malformed. */
export function readLocalOutputs(file: string): LocalOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `cannot read ${file} (${why}). Run "npm run local" to start and deploy the local platform.`,
    );
  }
  const strings = ['endpoint', 'region', 'environment', 'stackName', 'httpApiUrl', 'eventBusName'] as const;
  if (
    !isRecord(parsed) ||
    strings.some((k) => typeof parsed[k] !== 'string') ||
    !isRecord(parsed.tables) ||
    !isRecord(parsed.tokens) ||
    !isRecord(parsed.stackOutputs) ||
    (['admin', 'user', 'service'] as const).some(
      (r) => typeof (parsed.tokens as Record<string, unknown>)[r] !== 'string',
    )
  ) {
    throw new Error(`${file} does not have the expected shape. Run "npm run local:deploy" to rewrite it.`);
  }
  return parsed as unknown as LocalOutputs;
}
