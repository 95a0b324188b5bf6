/**
 * Typed environment schemas, shared by lib/ (which reads them) and infra/ (which sets them).
 *
 * Every variable is declared once, here: its name, its zod schema and what it means. A
 * function's schema ({@link defineEnv}) picks the variables that function reads; infra builds
 * the function's environment with `schema.render({...})`, keyed by the same declarations, so
 * no variable name is written twice. lib/ reads with `schema.current()`: lazily (nothing is
 * read at import time), each variable on first use, then cached; a missing or malformed
 * variable throws an error naming it (no silent '' defaults).
 */
import * as z from 'zod/mini';
import { authConfigSchema } from './auth.ts';
import './zod.ts';

/** One environment variable. `optional` ones have a default (infra may leave them unset). */
export interface EnvVar<T, Optional extends boolean = boolean> {
  readonly name: string;
  readonly schema: z.ZodMiniType<T>;
  readonly optional: Optional;
}

export const required = <T>(name: string, schema: z.ZodMiniType<T>): EnvVar<T, false> => ({
  name,
  schema,
  optional: false,
});
export const withDefault = <T>(name: string, schema: z.ZodMiniType<T>): EnvVar<T, true> => ({
  name,
  schema,
  optional: true,
});

export const text = z.string().check(z.minLength(1));
const ms = (fallback: number, max = 3_600_000) =>
  z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(max)), fallback);
/** A JSON object in a variable, e.g. `{ "<service>": "<table>" }`. */
const jsonOf = <T>(schema: z.ZodMiniType<T>) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((raw, ctx) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'must be JSON', input: raw });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );

/** Every variable a Tempora function reads, by the name lib/ uses for it. */
export const VARS = {
  // Every function (set by infra/constructs/service-function.ts).
  service: required('TEMPORA_SERVICE', text),
  powertoolsServiceName: required('POWERTOOLS_SERVICE_NAME', text),
  metricsNamespace: required('POWERTOOLS_METRICS_NAMESPACE', text),
  /** Stack environment, e.g. `dev` or `prod` (policy matrix dimension). */
  environment: required('TEMPORA_ENV', text),
  // Platform tables and bus.
  masterTable: required('MASTER_TABLE', text),
  outboxTable: required('OUTBOX_TABLE', text),
  indexTable: required('INDEX_TABLE', text),
  policiesTable: required('POLICIES_TABLE', text),
  /** How long a Lambda caches policy rows (ms). */
  policyCacheTtlMs: withDefault('POLICY_CACHE_TTL_MS', ms(5000)),
  eventBusName: required('EVENT_BUS_NAME', text),
  /** ARN (or name) of the Secrets Manager secret holding the JWT signing key. */
  jwtSecretId: required('JWT_SECRET_ID', text),
  /** Which token issuers the stack trusts (`{ hs256, issuers[] }`, lib/config/auth.ts), as JSON. */
  auth: required('TEMPORA_AUTH', jsonOf(authConfigSchema)),
  /** The service's own entity table. */
  entityTable: required('ENTITY_TABLE', text),
  /** `{ <service>: <physical table> }` of the CRUD services a consumer writes to. */
  entityTables: required('ENTITY_TABLES', jsonOf(z.record(z.string(), text))),
  // Metadata records.
  recordsTable: required('RECORDS_TABLE', text),
  /** Migration status and backup rows of the records service (`_metadata_migrations`). */
  migrationsTable: required('MIGRATIONS_TABLE', text),
  /** Read cache TTL of the records service (0 disables). */
  recordsCacheTtlMs: withDefault('RECORDS_CACHE_TTL_MS', ms(5000)),
  /** Re-read-and-retry attempts after a version conflict on a write without If-Match. */
  recordsConflictRetries: withDefault(
    'RECORDS_CONFLICT_RETRIES',
    z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(10)), 3),
  ),
  // Platform health: `{ key: { logical, physical } }` of every table it checks.
  healthTables: required(
    'HEALTH_TABLES',
    jsonOf(z.record(z.string(), z.object({ logical: z.string(), physical: z.string() }))),
  ),
  // Scheduler.
  intentsTable: required('INTENTS_TABLE', text),
  idempotencyTable: required('IDEMPOTENCY_TABLE', text),
  scheduleGroup: required('SCHEDULE_GROUP', text),
  scheduleTargetArn: required('SCHEDULE_TARGET_ARN', text),
  scheduleRoleArn: required('SCHEDULE_ROLE_ARN', text),
  scheduleDlqArn: required('SCHEDULE_DLQ_ARN', text),
  /** Bulk cancellation jobs of the scheduler. */
  intentJobsTable: required('INTENT_JOBS_TABLE', text),
  /** How far ahead intents get their schedule (ISO 8601 duration); beyond it they are deferred. */
  scheduleHorizon: withDefault(
    'SCHEDULE_HORIZON',
    z._default(
      z
        .string()
        .check(
          z.regex(
            /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
            'must be an ISO 8601 duration of days, hours, minutes, seconds (P7D, PT2M)',
          ),
        ),
      'P7D',
    ),
  ),
  /** Intents one materializer run makes schedules for, at most. */
  materializeLimit: withDefault(
    'MATERIALIZE_LIMIT',
    z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 1000),
  ),
  // Domain consumers.
  searchIndexTable: required('SEARCH_INDEX_TABLE', text),
  analyticsCountersTable: required('ANALYTICS_COUNTERS_TABLE', text),
  translationProvider: withDefault('TRANSLATION_PROVIDER', z._default(z.enum(['aws', 'offline']), 'aws')),
  // Knowledge graph (Amadeus).
  kgTable: required('KG_TABLE', text),
  kgCacheTtlMs: withDefault('KG_CACHE_TTL_MS', z.optional(z.coerce.number().check(z.int(), z.nonnegative()))),
  // Console (functions/console): where the page finds the broadcast WebSocket API.
  /** Id of the broadcast WebSocket API (the page builds the emulator's URL from it). */
  // The converse service: its confirmations (the HTTP API it reads through is the request's own).
  confirmationsTable: required('CONFIRMATIONS_TABLE', text),
  webSocketApiId: required('WEBSOCKET_API_ID', text),
  /** Stage of the broadcast WebSocket API, e.g. `live`. */
  webSocketStage: required('WEBSOCKET_STAGE', text),
  /** The stage's `wss://` URL on AWS. */
  webSocketUrl: required('WEBSOCKET_URL', text),
} as const;

type Vars = Record<string, EnvVar<unknown>>;
/** The typed values of a schema's variables. */
export type EnvValues<V extends Vars> = { readonly [K in keyof V]: V[K] extends EnvVar<infer T> ? T : never };
/** What infra passes to {@link EnvSchema.render}: a string (CDK tokens included) per variable; defaulted ones may be left out. */
export type EnvInput<V extends Vars> = {
  readonly [K in keyof V as V[K] extends EnvVar<unknown, false> ? K : never]: string;
} & {
  readonly [K in keyof V as V[K] extends EnvVar<unknown, false> ? never : K]?: string;
};
export type EnvSource = Readonly<Record<string, string | undefined>>;

export class EnvError extends Error {
  constructor(
    readonly variables: string[],
    detail: string,
  ) {
    super(`Environment: ${detail}`);
    this.name = 'EnvError';
  }
}

function parseVar<T>(v: EnvVar<T>, source: EnvSource): T {
  const raw = source[v.name];
  const r = v.schema.safeParse(raw === '' ? undefined : raw);
  if (r.success) return r.data;
  const why =
    raw === undefined || raw === ''
      ? 'is not set'
      : `is invalid (${r.error.issues[0]?.message ?? 'bad value'})`;
  throw new EnvError([v.name], `${v.name} ${why}`);
}

export interface EnvSchema<V extends Vars> {
  readonly vars: V;
  /** The variables of `source`, each parsed on first access (then cached). */
  read(source?: EnvSource): EnvValues<V>;
  /** Every variable at once; one error naming all the missing or invalid ones. */
  parse(source?: EnvSource): EnvValues<V>;
  /** This process's environment, read lazily and once (see {@link read}). */
  current(): EnvValues<V>;
  /** The environment block infra gives the function: `{ NAME: value }` for each value passed. */
  render(values: EnvInput<V>): Record<string, string>;
}

/** A function's environment schema: the declarations (from {@link VARS}) it reads. */
export function defineEnv<V extends Vars>(vars: V): EnvSchema<V> {
  let cached: EnvValues<V> | undefined;
  const read = (source: EnvSource = process.env): EnvValues<V> => {
    const out = {} as Record<string, unknown>;
    for (const [key, v] of Object.entries(vars)) {
      Object.defineProperty(out, key, {
        enumerable: true,
        configurable: true,
        get() {
          const value = parseVar(v, source);
          Object.defineProperty(out, key, { value, enumerable: true });
          return value;
        },
      });
    }
    return out as EnvValues<V>;
  };
  return {
    vars,
    read,
    parse(source = process.env) {
      const problems: EnvError[] = [];
      const out = {} as Record<string, unknown>;
      for (const [key, v] of Object.entries(vars)) {
        try {
          out[key] = parseVar(v, source);
        } catch (e) {
          if (!(e instanceof EnvError)) throw e;
          problems.push(e);
        }
      }
      if (problems.length > 0) {
        throw new EnvError(
          problems.flatMap((p) => p.variables),
          problems.map((p) => p.message.replace(/^Environment: /, '')).join('; '),
        );
      }
      return out as EnvValues<V>;
    },
    current() {
      cached ??= read();
      return cached;
    },
    render(values) {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(values as Record<string, string | undefined>)) {
        const v = vars[key];
        if (v === undefined) throw new Error(`No environment variable declared for "${key}"`);
        if (value !== undefined) out[v.name] = value;
      }
      return out;
    },
  };
}
