/**
 * Benchmarks that need AWS APIs run against the local emulator started by `npm run local`
 * (its endpoint is in `.local/outputs.json`, or AWS_ENDPOINT_URL). They create their own
 * throwaway tables and delete them afterwards, so they never touch the platform's data.
 */

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

export interface Emulator {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  ddb: DynamoDBDocumentClient;
  raw: DynamoDBClient;
}

/** The emulator to use, or undefined (with the reason printed) when none answers. */
export async function emulator(): Promise<Emulator | undefined> {
  const file = resolve(import.meta.dirname, '..', '.local', 'outputs.json');
  const fromOutputs = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { endpoint?: string }).endpoint
    : undefined;
  const endpoint = process.env.AWS_ENDPOINT_URL ?? fromOutputs;
  if (!endpoint) {
    console.log('  skipped: no emulator (run `npm run local` first, or set AWS_ENDPOINT_URL)');
    return undefined;
  }
  try {
    const r = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) throw new Error(`health ${r.status}`);
  } catch (e) {
    console.log(`  skipped: the emulator at ${endpoint} does not answer (${(e as Error).message})`);
    return undefined;
  }
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  return {
    endpoint,
    region: 'us-east-1',
    credentials,
    raw,
    ddb: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

export interface TempTableSpec {
  pk: string;
  sk?: string;
  indexes?: Array<{ name: string; pk: string; sk: string }>;
}

/** Create a throwaway on-demand table; returns its name and a disposer. */
export async function tempTable(
  em: Emulator,
  label: string,
  spec: TempTableSpec,
): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `bench-${label}-${Date.now().toString(36)}`;
  const attrs = new Set([
    spec.pk,
    ...(spec.sk ? [spec.sk] : []),
    ...(spec.indexes ?? []).flatMap((i) => [i.pk, i.sk]),
  ]);
  await em.raw.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: spec.pk, KeyType: 'HASH' },
        ...(spec.sk ? [{ AttributeName: spec.sk, KeyType: 'RANGE' as const }] : []),
      ],
      ...(spec.indexes?.length
        ? {
            GlobalSecondaryIndexes: spec.indexes.map((i) => ({
              IndexName: i.name,
              KeySchema: [
                { AttributeName: i.pk, KeyType: 'HASH' as const },
                { AttributeName: i.sk, KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: 'ALL' as const },
            })),
          }
        : {}),
    }),
  );
  await waitUntilTableExists({ client: em.raw, maxWaitTime: 30 }, { TableName: name });
  return {
    name,
    drop: async () => void (await em.raw.send(new DeleteTableCommand({ TableName: name })).catch(() => {})),
  };
}

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Put every item (BatchWriteItem, 25 a call, 8 calls in flight, unprocessed items retried). */
export async function batchPut(em: Emulator, table: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25 * 8) {
    await Promise.all(
      Array.from({ length: 8 }, (_, k) => items.slice(i + k * 25, i + (k + 1) * 25))
        .filter((c) => c.length)
        .map(async (chunk) => {
          let req: Record<string, unknown>[] | undefined = chunk;
          while (req?.length) {
            const out: BatchWriteCommandOutput = await em.ddb.send(
              new BatchWriteCommand({
                RequestItems: { [table]: req.map((Item) => ({ PutRequest: { Item } })) },
              }),
            );
            req = out.UnprocessedItems?.[table]?.map((r) => r.PutRequest?.Item as Record<string, unknown>);
          }
        }),
    );
  }
}
