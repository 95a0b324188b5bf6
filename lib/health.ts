/**
 * Health checks: a table is healthy when DescribeTable answers ACTIVE.
 * `/api/<collection>/health` checks the service's own table; `/api/health` checks them all.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from './aws/clients.ts';

export interface TableCheck {
  name: string;
  status: string;
  latency_ms: number;
}

export interface HealthReport {
  service: string;
  status: 'ok' | 'degraded';
  checks: Record<string, TableCheck>;
}

export async function checkTable(logicalName: string, physicalName: string): Promise<TableCheck> {
  const started = Date.now();
  let status: string;
  try {
    const out = await documentClient().send(new DescribeTableCommand({ TableName: physicalName }));
    status = out.Table?.TableStatus ?? 'UNKNOWN';
  } catch (e) {
    status = (e as Error).name || 'ERROR';
  }
  return { name: logicalName, status, latency_ms: Date.now() - started };
}

/** Check every `{ key: { logical, physical } }` table concurrently. */
export async function healthReport(
  service: string,
  tables: Record<string, { logical: string; physical: string }>,
): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(tables).map(async ([key, t]) => [key, await checkTable(t.logical, t.physical)] as const),
  );
  const checks = Object.fromEntries(entries);
  const status = entries.every(([, c]) => c.status === 'ACTIVE') ? 'ok' : 'degraded';
  return { service, status, checks };
}
