/**
 * Settings of the records service Lambda, from the variables declared in lib/config/env.ts
 * (`RECORDS_TABLE`, `RECORDS_CACHE_TTL_MS` default 5000 with 0 disabling the cache,
 * `RECORDS_CONFLICT_RETRIES` default 3 in 0-10). Read when the handler is first built;
 * a bad value fails with the variable's name rather than a request.
 */
import { defineEnv, type EnvSource, VARS as V } from '../config/env.ts';

export const DEFAULT_CONFLICT_RETRIES = 3;

export interface RecordsConfig {
  table: string;
  migrationsTable: string;
  outboxTable: string;
  environment: string;
  cacheTtlMs: number;
  maxConflictRetries: number;
}

const settings = defineEnv({
  table: V.recordsTable,
  migrationsTable: V.migrationsTable,
  outboxTable: V.outboxTable,
  environment: V.environment,
  cacheTtlMs: V.recordsCacheTtlMs,
  maxConflictRetries: V.recordsConflictRetries,
});

export function loadRecordsConfig(env: EnvSource = process.env): RecordsConfig {
  return { ...settings.parse(env) };
}
