/**
 * Settings of the records service Lambda, from its environment schema (`recordsEnv` in
 * lib/config/functions.ts, which infra writes too): `RECORDS_TABLE`, `RECORDS_CACHE_TTL_MS`
 * default 5000 with 0 disabling the cache, `RECORDS_CONFLICT_RETRIES` default 3 in 0-10.
 * Read when the handler is first built; a bad value fails with the variable's name rather
 * than a request. (The token variables of the same schema are read by lib/auth on first use.)
 */
import type { EnvSource } from '../config/env.ts';
import { recordsEnv } from '../config/functions.ts';

export const DEFAULT_CONFLICT_RETRIES = 3;

export interface RecordsConfig {
  table: string;
  migrationsTable: string;
  outboxTable: string;
  environment: string;
  cacheTtlMs: number;
  maxConflictRetries: number;
}

export function loadRecordsConfig(env: EnvSource = process.env): RecordsConfig {
  const e = recordsEnv.read(env);
  return {
    table: e.recordsTable,
    migrationsTable: e.migrationsTable,
    outboxTable: e.outboxTable,
    environment: e.environment,
    cacheTtlMs: e.cacheTtlMs,
    maxConflictRetries: e.maxConflictRetries,
  };
}
