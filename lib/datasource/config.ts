/**
 * Environment of the datasource Lambda (read once per cold start; a bad value fails the
 * cold start with a clear message rather than a request).
 *
 * - `RECORDS_TABLE` (required): physical name of the records table.
 * - `DATASOURCE_CACHE_TTL_MS` (default 5000; 0 disables): read cache TTL.
 * - `DATASOURCE_CONFLICT_RETRIES` (default 3, 0-10): re-read-and-retry attempts after a
 *   version conflict on a write without If-Match.
 * The HTTP layer also reads `JWT_SECRET_ID` (lib/config.ts).
 */
import { DEFAULT_CACHE_TTL_MS } from './cache.ts';

export const DEFAULT_CONFLICT_RETRIES = 3;

export interface DatasourceConfig {
  table: string;
  cacheTtlMs: number;
  maxConflictRetries: number;
}

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`Environment variable ${key} must be an integer in [${min}, ${max}], got "${raw}"`);
  return n;
}

export function loadDatasourceConfig(env: NodeJS.ProcessEnv = process.env): DatasourceConfig {
  const table = env.RECORDS_TABLE;
  if (!table) throw new Error('Missing environment variable RECORDS_TABLE (the metadata records table)');
  return {
    table,
    cacheTtlMs: intFrom(env, 'DATASOURCE_CACHE_TTL_MS', DEFAULT_CACHE_TTL_MS, 0, 3_600_000),
    maxConflictRetries: intFrom(env, 'DATASOURCE_CONFLICT_RETRIES', DEFAULT_CONFLICT_RETRIES, 0, 10),
  };
}
