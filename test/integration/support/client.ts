/**
 * A client of the deployed platform, as an app would use it: HTTPS + bearer tokens,
 * plus direct AWS SDK access to the emulator for checks a client cannot make.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { loadOutputs } from './outputs.ts';
import { responseProblems } from './response-check.ts';

export type Role = 'admin' | 'user' | 'service';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  as?: Role | null;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Call the HTTP API. `as` picks a dev token (default admin; `null` sends none). */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<ApiResponse<T>> {
  const out = loadOutputs();
  const headers: Record<string, string> = { ...opts.headers };
  const role = opts.as === undefined ? 'admin' : opts.as;
  const token = opts.token ?? (role ? out.tokens[role] : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${out.httpApiUrl}${path}`, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  // Every response the suite receives is checked against the route's declared response schema.
  const problems = responseProblems(method, path, res.status, parsed, text);
  if (problems.length) throw new Error(`response check failed: ${problems.join('; ')}`);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

let ddb: DynamoDBDocumentClient | undefined;
export function dynamo(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig()));
  return ddb;
}

export function table(short: string): string {
  const name = loadOutputs().tables[short];
  if (!name)
    throw new Error(`No table output "${short}" (have: ${Object.keys(loadOutputs().tables).join(', ')})`);
  return name;
}

export async function masterRow(
  entityType: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo().send(
    new GetCommand({
      TableName: table('metadataMaster'),
      Key: { pk: `${entityType}#${id}` },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

export async function entityRow(short: string, id: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo().send(
    new GetCommand({ TableName: table(short), Key: { id }, ConsistentRead: true }),
  );
  return out.Item;
}

/** Number of items in a table (tests only: a Scan, which the platform itself never does). */
export async function countItems(short: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo().send(
      new ScanCommand({
        TableName: table(short),
        Select: 'COUNT',
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

/**
 * Outbox rows by id, with the correlation id of the request that caused them. A test cannot count
 * the outbox (or any shared table) to prove it wrote nothing: the platform writes to it by itself
 * (the scheduler's horizon every minute, tickers), and other files run beside it. A row is a
 * test's only when its correlation id is one the test sent (every answer echoes x-correlation-id).
 */
export async function outboxRows(): Promise<Map<string, string | undefined>> {
  const rows = new Map<string, string | undefined>();
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo().send(
      new ScanCommand({
        TableName: table('nexusOutbox'),
        ProjectionExpression: 'id, envelope.correlation_id',
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of out.Items ?? [])
      rows.set(String(item.id), (item.envelope as { correlation_id?: string } | undefined)?.correlation_id);
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}

/** Poll `fn` until it returns a value that is not undefined, or fail after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

type Scheduled = { metadata?: { scheduling?: { intents?: Array<{ pattern?: string }> } } };

/**
 * A user account as it is once the platform's own follow-up write has landed: its retention
 * intent (the user row's, P90D on the dev stack) is written into
 * `metadata.scheduling.intents` by the scheduler, which bumps the version. Tests that use
 * `If-Match` start from the version this returns.
 */
export async function withRetentionWritten<T extends { version: number }>(
  collection: string,
  id: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api<T>('GET', `/api/${collection}/${id}`);
    const intents = (r.body as Scheduled).metadata?.scheduling?.intents;
    if (r.status === 200 && intents?.some((i) => i.pattern === 'retention')) return r.body;
    if (Date.now() > deadline)
      throw new Error(`the retention intent of ${collection}/${id} was not written within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
