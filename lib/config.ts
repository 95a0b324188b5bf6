/**
 * Runtime configuration of a Tempora Lambda, read from its environment once.
 * infra/ sets these variables; tests set them by hand.
 */
export interface RuntimeConfig {
  /** Stack environment, e.g. `dev` or `prod` (policy matrix dimension). */
  environment: string;
  /** Name of the service this Lambda runs. */
  service: string;
  /** Physical name of the `_metadata_master` table. */
  masterTable: string;
  /** Physical name of the Nexus outbox table (events committed with each write). */
  outboxTable: string;
  /** Physical name of the service's own entity table (empty for platform functions). */
  entityTable: string;
  /** Physical name of `_metadata_index` (tag and feature index rows). */
  indexTable: string;
  /** Physical name of `_policies` (the policy matrix). */
  policiesTable: string;
  /** How long a Lambda caches policy rows (ms). */
  policyCacheTtlMs: number;
  /** Name of the Nexus event bus. */
  eventBusName: string;
  /** ARN (or name) of the Secrets Manager secret holding the JWT signing key. */
  jwtSecretId: string;
}

const read = (env: NodeJS.ProcessEnv, key: string, fallback?: string): string => {
  const v = env[key] ?? fallback;
  if (v === undefined) throw new Error(`Missing environment variable ${key}`);
  return v;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return {
    environment: read(env, 'TEMPORA_ENV', 'dev'),
    service: read(env, 'TEMPORA_SERVICE', env.POWERTOOLS_SERVICE_NAME ?? 'tempora'),
    masterTable: read(env, 'MASTER_TABLE', ''),
    outboxTable: read(env, 'OUTBOX_TABLE', ''),
    entityTable: read(env, 'ENTITY_TABLE', ''),
    indexTable: read(env, 'INDEX_TABLE', ''),
    policiesTable: read(env, 'POLICIES_TABLE', ''),
    policyCacheTtlMs: Number(read(env, 'POLICY_CACHE_TTL_MS', '5000')),
    eventBusName: read(env, 'EVENT_BUS_NAME', ''),
    jwtSecretId: read(env, 'JWT_SECRET_ID', ''),
  };
}

let cached: RuntimeConfig | undefined;
/** The process-wide configuration (read once per cold start). */
export const config = (): RuntimeConfig => {
  cached ??= loadConfig();
  return cached;
};
