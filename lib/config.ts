/**
 * Runtime configuration of a Tempora Lambda, as shared lib/ code sees it (store wiring,
 * policies, auth, the events API). The variables are declared once in lib/config/env.ts;
 * each function's own schema (lib/config/functions.ts) is what infra sets for it. Nothing is
 * read at import time: `config()` reads each variable on first use and caches it, and a
 * variable the function was not given throws an error naming it (no silent '' defaults).
 */
import { defineEnv, type EnvSource, type EnvValues, VARS as V } from './config/env.ts';

const runtimeEnv = defineEnv({
  environment: V.environment,
  service: V.service,
  masterTable: V.masterTable,
  outboxTable: V.outboxTable,
  entityTable: V.entityTable,
  indexTable: V.indexTable,
  policiesTable: V.policiesTable,
  policyCacheTtlMs: V.policyCacheTtlMs,
  eventBusName: V.eventBusName,
  jwtSecretId: V.jwtSecretId,
});

export type RuntimeConfig = EnvValues<typeof runtimeEnv.vars>;

/** The configuration of `env` (each variable parsed on first access). */
export function loadConfig(env: EnvSource = process.env): RuntimeConfig {
  return runtimeEnv.read(env);
}

/** The process-wide configuration (each variable read once per cold start, on first use). */
export const config = (): RuntimeConfig => runtimeEnv.current();
