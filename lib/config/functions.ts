/**
 * One environment schema per function (lib/config/env.ts): what each Lambda reads, and so
 * exactly what infra sets for it. Importable by infra/ (no AWS SDK, no handler code here).
 */
import { defineEnv, VARS as V } from './env.ts';

/** Set on every function by infra/constructs/service-function.ts. */
export const baseEnv = defineEnv({
  service: V.service,
  powertoolsServiceName: V.powertoolsServiceName,
  metricsNamespace: V.metricsNamespace,
});

/** Verifying bearer tokens: the platform's key and the trusted issuers travel together. */
const auth = { jwtSecretId: V.jwtSecretId, auth: V.auth } as const;

/** Verifying bearer tokens (every function with authenticated routes). */
export const authEnv = defineEnv(auth);

/** Added by infra to every function serving a route the registry declares `idempotent`. */
export const idempotencyEnv = defineEnv({ idempotencyTable: V.idempotencyTable });

/** The platform tables an entity store writes through (every CRUD service and the consumers that write back). */
const platform = {
  environment: V.environment,
  masterTable: V.masterTable,
  outboxTable: V.outboxTable,
  indexTable: V.indexTable,
  policiesTable: V.policiesTable,
  policyCacheTtlMs: V.policyCacheTtlMs,
  ...auth,
} as const;

/** A domain service function (functions/<service>): its own entity table plus the platform. */
export const serviceEnv = defineEnv({ ...platform, entityTable: V.entityTable });

/** The scheduler: a service function plus intents, schedules and the entity tables it writes. */
export const schedulerEnv = defineEnv({
  ...platform,
  intentsTable: V.intentsTable,
  idempotencyTable: V.idempotencyTable,
  scheduleGroup: V.scheduleGroup,
  scheduleTargetArn: V.scheduleTargetArn,
  scheduleRoleArn: V.scheduleRoleArn,
  scheduleDlqArn: V.scheduleDlqArn,
  entityTables: V.entityTables,
  intentJobsTable: V.intentJobsTable,
  scheduleHorizon: V.scheduleHorizon,
  materializeLimit: V.materializeLimit,
});

/** Added to a consumer that writes other services' entities (registry need `entities:write`). */
export const entityWriterEnv = defineEnv({ entityTables: V.entityTables });
/** Added to the localization consumer. */
export const translationEnv = defineEnv({ translationProvider: V.translationProvider });
/** Added to a service reading pricing rules (registry need `pricing-rules`). */
export const pricingEnv = defineEnv({ recordsTable: V.recordsTable });
/** Added to the search consumer. */
export const searchIndexEnv = defineEnv({ searchIndexTable: V.searchIndexTable });
/** Added to the analytics consumer. */
export const analyticsCountersEnv = defineEnv({ analyticsCountersTable: V.analyticsCountersTable });

/** The Nexus publisher (outbox stream → bus) and its events API (which also reads {@link authEnv}). */
export const publisherEnv = defineEnv({
  environment: V.environment,
  eventBusName: V.eventBusName,
  outboxTable: V.outboxTable,
});

/** The HTTP API's `$default` route (functions/catch-all): answers from the registry, reads nothing. */
export const catchAllEnv = defineEnv({});

/** Deploy-time setup (policy seed rows). */
export const platformSetupEnv = defineEnv({ environment: V.environment, policiesTable: V.policiesTable });

/** `GET /api/health`. */
export const healthEnv = defineEnv({ environment: V.environment, healthTables: V.healthTables });

/** The records service (`/api/metadata`). */
export const recordsEnv = defineEnv({
  environment: V.environment,
  recordsTable: V.recordsTable,
  migrationsTable: V.migrationsTable,
  outboxTable: V.outboxTable,
  ...auth,
  cacheTtlMs: V.recordsCacheTtlMs,
  maxConflictRetries: V.recordsConflictRetries,
});

/** The knowledge graph (Amadeus). */
export const amadeusEnv = defineEnv({
  environment: V.environment,
  kgTable: V.kgTable,
  kgCacheTtlMs: V.kgCacheTtlMs,
  ...auth,
});

/** The console (functions/console): the WebSocket API the page connects to. */
export const consoleEnv = defineEnv({
  environment: V.environment,
  webSocketApiId: V.webSocketApiId,
  webSocketStage: V.webSocketStage,
  webSocketUrl: V.webSocketUrl,
});

/** The converse service (functions/converse): its confirmations table and the HTTP API it reads through. */
export const converseEnv = defineEnv({
  environment: V.environment,
  confirmationsTable: V.confirmationsTable,
  ...auth,
});
