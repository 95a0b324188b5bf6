/**
 * Every function's environment, by its folder under functions/: the schemas (./functions.ts,
 * ./functions-live.ts) its Lambda reads, which infra writes in full, and the ones infra adds
 * only where the registry says the function needs them (an idempotent route, a consumer's
 * `entities:write`, …). The base variables (`baseEnv`) are on every function.
 * test/unit/config/declared.test.ts compares each synthesized function with this table.
 * Importable by infra/ and tests; no function bundles it.
 */
import type { EnvVar } from './env.ts';
import {
  amadeusEnv,
  analyticsCountersEnv,
  authEnv,
  baseEnv,
  catchAllEnv,
  consoleEnv,
  converseEnv,
  entityWriterEnv,
  healthEnv,
  idempotencyEnv,
  platformSetupEnv,
  pricingEnv,
  publisherEnv,
  recordsEnv,
  schedulerEnv,
  searchIndexEnv,
  serviceEnv,
  translationEnv,
} from './functions.ts';
import { broadcastEnv, eventApiEnv, eventsAuthorizerEnv, tickerEnv } from './functions-live.ts';

/** An environment schema (`defineEnv`), as far as its declarations. */
export interface Declared {
  readonly vars: Readonly<Record<string, EnvVar<unknown>>>;
}

export interface FunctionEnv {
  /** Read by the function's Lambda: every required variable is set by infra. */
  readonly reads: readonly Declared[];
  /** Added by infra where the registry declares the need (each whole, or not at all). */
  readonly added: readonly Declared[];
}

/** What any service function may be given besides its own schema, by registry need. */
const NEEDS: readonly Declared[] = [
  idempotencyEnv,
  entityWriterEnv,
  translationEnv,
  searchIndexEnv,
  analyticsCountersEnv,
  pricingEnv,
];

/** The functions that are not one registry service's CRUD function (functions/<service>). */
const FUNCTIONS: Readonly<Record<string, FunctionEnv>> = {
  'platform-setup': { reads: [platformSetupEnv], added: [] },
  'catch-all': { reads: [catchAllEnv], added: [] },
  'nexus-publisher': { reads: [publisherEnv, authEnv], added: [idempotencyEnv] },
  health: { reads: [healthEnv], added: [] },
  scheduler: { reads: [schedulerEnv], added: NEEDS },
  records: { reads: [recordsEnv], added: NEEDS },
  amadeus: { reads: [amadeusEnv], added: NEEDS },
  console: { reads: [consoleEnv], added: [] },
  converse: { reads: [converseEnv], added: NEEDS },
  broadcast: { reads: [broadcastEnv], added: [eventApiEnv, ...NEEDS] },
  'broadcast-ticker': { reads: [tickerEnv], added: [eventApiEnv] },
  'broadcast-authorizer': { reads: [eventsAuthorizerEnv], added: [] },
};

/** A registry service's function (functions/<service>): its entity table and the platform. */
const SERVICE_FUNCTION: FunctionEnv = { reads: [serviceEnv], added: NEEDS };

/** The declared environment of functions/<folder>, the base variables included. */
export function declaredEnv(folder: string): FunctionEnv {
  const own = FUNCTIONS[folder] ?? SERVICE_FUNCTION;
  return { reads: [baseEnv, ...own.reads], added: own.added };
}
