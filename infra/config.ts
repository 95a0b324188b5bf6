/**
 * What each environment takes at deploy time, declared in one place (docs/deploy.md
 * "Configuration"): alarm thresholds, the alarm email, the broadcaster's share of the account's
 * API Gateway quota, the scheduling horizon, who may sign bearer tokens (`auth`:
 * docs/contract.md#authentication). Resolved at synth, later sources winning:
 *
 * 1. {@link DEFAULTS}, then {@link ENVIRONMENTS}`[env]` (this file);
 * 2. CDK context `tempora:<env>`, an object of the same shape (cdk.json, cdk.context.json,
 *    ~/.cdk.json), e.g. `"tempora:prod": { "alarmEmail": "ops@example.com" }`;
 * 3. one CDK context key per setting, dotted: `-c alarmEmail=ops@example.com`,
 *    `-c thresholds.functionErrors=3` (strings; numbers are parsed).
 *
 * A value that does not fit (a threshold that is not a number, an alarm email that is not an
 * address, a budget share outside (0, 1], a key nobody reads) fails the synth with a message
 * naming the key and where it came from.
 */
import { z } from 'zod';
import { type AuthConfig, authConfigSchema, type TrustedIssuerInput } from '../lib/config/auth.ts';

/** Alarm thresholds. Counts are per 5-minute period unless the name says otherwise. */
export interface Thresholds {
  /** A function's `Errors` in 5 minutes at or above which it alarms. */
  functionErrors: number;
  /** A function's `Throttles` in 5 minutes. */
  functionThrottles: number;
  /** A function's p99 `Duration` as a percentage of its own timeout ("near its timeout"). */
  functionDurationPercentOfTimeout: number;
  /** Messages visible in a dead-letter queue (1 = any message: depth > 0). */
  deadLetterMessages: number;
  /** Age of the oldest message of a dead-letter queue, in minutes. */
  deadLetterAgeMinutes: number;
  /** HTTP API responses that are 5xx, in percent of requests over 5 minutes. */
  httpApi5xxPercent: number;
  /** HTTP API p99 latency, in milliseconds. */
  httpApiP99LatencyMs: number;
  /** WebSocket API `IntegrationError`s (the broadcast Lambda failed a route). */
  webSocketIntegrationErrors: number;
  /** EventBridge Scheduler `TargetErrorCount` of the schedule group (due intents not delivered). */
  scheduleTargetErrors: number;
  /** Failed, timed-out or aborted executions of the broadcast ticker state machine. */
  tickerFailedExecutions: number;
  /** Frames the broadcaster thinned to stay within its post budget (`FramesThinned`). */
  framesThinned: number;
  /** Posts API Gateway throttled (429, `PostsThrottled`). */
  postsThrottled: number;
  /** p99 of the broadcaster's tick lateness (`TickLateness`), in milliseconds. */
  tickLatenessP99Ms: number;
  /** A table's `ReadThrottleEvents` (and, separately, `WriteThrottleEvents`). */
  dynamoThrottles: number;
}

export interface EnvironmentConfig {
  /** Subscribed to every stack's alarm topic when set (the address confirms it once). */
  alarmEmail?: string;
  /** The broadcaster's share of the account's API Gateway request quota, in (0, 1]. */
  broadcastBudgetShare: number;
  /** The account's API Gateway requests per second in the region (default quota 10,000). */
  apiGatewayRequestsPerSecond: number;
  /** Intents further away than this wait in the intents table for their schedule (issue 23). */
  schedulingHorizonMinutes: number;
  thresholds: Thresholds;
  /**
   * Who may sign bearer tokens: `hs256` (the stack's own key, issuer `tempora`) and `issuers`
   * (trusted OpenID Connect providers, lib/config/auth.ts). A stack that would accept no token
   * fails the synth.
   */
  auth: AuthConfig;
}

/** What every environment starts from: production values. */
export const DEFAULTS: EnvironmentConfig = {
  broadcastBudgetShare: 0.5,
  apiGatewayRequestsPerSecond: 10_000,
  schedulingHorizonMinutes: 7 * 24 * 60,
  // Production names its identity providers; the platform's own HS256 tokens only when told.
  auth: { hs256: false, issuers: [] },
  thresholds: {
    functionErrors: 5,
    functionThrottles: 1,
    functionDurationPercentOfTimeout: 80,
    deadLetterMessages: 1,
    deadLetterAgeMinutes: 60,
    httpApi5xxPercent: 1,
    httpApiP99LatencyMs: 2_000,
    webSocketIntegrationErrors: 5,
    scheduleTargetErrors: 1,
    tickerFailedExecutions: 1,
    framesThinned: 1_000,
    postsThrottled: 100,
    tickLatenessP99Ms: 250,
    dynamoThrottles: 10,
  },
};

/** Overrides per environment, on top of {@link DEFAULTS}. */
export const ENVIRONMENTS: Record<string, DeepPartial<EnvironmentConfig>> = {
  // A developer's stack: looser thresholds, a horizon short enough to see deferral locally.
  dev: {
    schedulingHorizonMinutes: 2,
    auth: { hs256: true },
    thresholds: {
      functionErrors: 20,
      httpApi5xxPercent: 5,
      httpApiP99LatencyMs: 5_000,
      deadLetterAgeMinutes: 24 * 60,
      tickLatenessP99Ms: 1_000,
    },
  },
  // Test and CI stacks are ephemeral like dev: a horizon short enough for the tests to see deferral.
  // They accept the platform's own HS256 tokens (dev tokens, `npx tempora token`).
  test: { schedulingHorizonMinutes: 2, auth: { hs256: true } },
  ci: { schedulingHorizonMinutes: 2, auth: { hs256: true } },
  local: { schedulingHorizonMinutes: 2, auth: { hs256: true } },
  prod: {},
};

/** The environments CI synthesizes and lints (`npm run lint:cfn`). */
export const SYNTHESIZED_ENVIRONMENTS = ['dev', 'prod'] as const;

/**
 * CDK context CI synthesizes each environment with (`npm run lint:cfn`, the infra tests): prod
 * must name its identity provider, so it trusts an example Cognito user pool here (the shape of
 * docs/deploy.md's example), which also puts API Gateway's JWT authorizer under the linters.
 */
export const SYNTH_CONTEXT: Readonly<Record<string, Record<string, unknown>>> = {
  prod: {
    'tempora:prod': {
      auth: {
        issuers: [
          {
            issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1',
            audiences: ['example-app-client-id'],
            role_claim: 'cognito:groups',
            role_map: { admins: 'admin', players: 'user', backends: 'service' },
          },
        ],
      },
    },
  },
};

/** How a stack deployed by `npm run local` trusts the local OIDC issuer (context `localIssuer`, localstack/oidc.ts). */
export const LOCAL_ISSUER_TRUST = {
  audiences: ['tempora-local'],
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  role_claim: 'groups',
  role_map: { users: 'user', admins: 'admin', services: 'service' },
} as const satisfies Omit<TrustedIssuerInput, 'issuer'>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A setting of the wrong type or out of range; the message names the key and its source. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `-c` values are strings: a numeric string is read as its number, anything else is left to fail. */
const toNumber = (v: unknown): unknown =>
  typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
const num = () => z.number({ error: 'must be a number' });
const numeric = (schema: z.ZodNumber) => z.preprocess(toNumber, schema);
const atLeastOne = () => numeric(num().gte(1, 'must be at least 1'));
const positive = () => numeric(num().gt(0, 'must be greater than 0'));
const percent = () => numeric(num().gt(0, 'must be above 0 %').lte(100, 'must be at most 100 %'));
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** `-c auth.hs256=false` and `-c auth.issuers='[…]'` arrive as strings: read them as a boolean and as JSON. */
function authInput(v: unknown): unknown {
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = { ...v };
  if (v.hs256 === 'true' || v.hs256 === 'false') out.hs256 = v.hs256 === 'true';
  if (typeof v.issuers === 'string') {
    try {
      out.issuers = JSON.parse(v.issuers) as unknown;
    } catch {
      // Left a string: the schema names auth.issuers.
    }
  }
  return out;
}

const thresholdsSchema = z.strictObject({
  functionErrors: atLeastOne(),
  functionThrottles: atLeastOne(),
  functionDurationPercentOfTimeout: percent(),
  deadLetterMessages: atLeastOne(),
  deadLetterAgeMinutes: positive(),
  httpApi5xxPercent: percent(),
  httpApiP99LatencyMs: positive(),
  webSocketIntegrationErrors: atLeastOne(),
  scheduleTargetErrors: atLeastOne(),
  tickerFailedExecutions: atLeastOne(),
  framesThinned: atLeastOne(),
  postsThrottled: atLeastOne(),
  tickLatenessP99Ms: positive(),
  dynamoThrottles: atLeastOne(),
});

const configSchema = z.strictObject({
  alarmEmail: z.optional(z.email({ error: 'must be an email address' })),
  broadcastBudgetShare: numeric(num().gt(0, 'must be in (0, 1]').lte(1, 'must be in (0, 1]')),
  apiGatewayRequestsPerSecond: numeric(num().int('must be a whole number').gte(1, 'must be at least 1')),
  schedulingHorizonMinutes: positive(),
  thresholds: thresholdsSchema,
  auth: z.preprocess(authInput, authConfigSchema),
});

/** The settings that are objects, flattened one level into dotted keys. */
const NESTED: Readonly<Record<string, readonly string[]>> = {
  thresholds: Object.keys(thresholdsSchema.shape),
  auth: Object.keys(authConfigSchema.def.shape),
};

/** Every setting as a dotted key (`thresholds.functionErrors`, `auth.issuers`), for `-c` and for messages. */
export const CONFIG_KEYS: readonly string[] = [
  ...Object.keys(configSchema.shape).filter((k) => !(k in NESTED)),
  ...Object.entries(NESTED).flatMap(([k, keys]) => keys.map((n) => `${k}.${n}`)),
];

/** Reads CDK context (`node.tryGetContext`). */
export type ContextReader = (key: string) => unknown;

type Flat = Map<string, { value: unknown; source: string }>;

/** Flattens `obj` into dotted keys (one level of nesting: {@link NESTED}), recording its source. */
function flatten(into: Flat, obj: unknown, source: string, where: string): void {
  if (obj === undefined) return;
  if (!isRecord(obj))
    throw new ConfigError(`Tempora config: ${where} must be an object, got ${JSON.stringify(obj)}`);
  for (const [k, v] of Object.entries(obj)) {
    if (k in NESTED && isRecord(v)) {
      for (const [t, tv] of Object.entries(v)) into.set(`${k}.${t}`, { value: tv, source });
    } else into.set(k, { value: v, source });
  }
}

function unflatten(flat: Flat): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(Object.keys(NESTED).map((k) => [k, {}]));
  for (const [key, { value }] of flat) {
    const [head, tail] = key.split(/\.(.*)/s) as [string, string | undefined];
    if (tail === undefined) out[head] = value;
    else {
      const nested = isRecord(out[head]) ? out[head] : {};
      nested[tail] = value;
      out[head] = nested;
    }
  }
  return out;
}

/**
 * The configuration of `environment`: defaults, its entry in {@link ENVIRONMENTS}, then CDK
 * context; with context `localIssuer` (a stack deployed by `npm run local`), the local OIDC issuer
 * is trusted too ({@link LOCAL_ISSUER_TRUST}). Throws a {@link ConfigError} naming the first bad
 * key and its source, or when the stack would accept no token.
 */
export function resolveConfig(
  environment: string,
  context: ContextReader = () => undefined,
): EnvironmentConfig {
  const flat: Flat = new Map();
  flatten(flat, DEFAULTS, 'infra/config.ts DEFAULTS', 'DEFAULTS');
  flatten(flat, ENVIRONMENTS[environment], `infra/config.ts ENVIRONMENTS.${environment}`, environment);
  const objectKey = `tempora:${environment}`;
  const fromObject = context(objectKey);
  flatten(flat, fromObject, `context "${objectKey}"`, `context "${objectKey}"`);
  for (const key of CONFIG_KEYS) {
    const v = context(key);
    if (v !== undefined) flat.set(key, { value: v, source: `-c ${key}` });
  }
  const parsed = configSchema.safeParse(unflatten(flat));
  if (parsed.success) return withLocalIssuer(environment, parsed.data as EnvironmentConfig, context);
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const key = [...issue.path.map(String), ...(unknownKey ? [unknownKey] : [])].join('.');
  const entry = flat.get(key);
  const got = entry ? ` (got ${JSON.stringify(entry.value)} from ${entry.source})` : '';
  const what = unknownKey ? `is not a setting (settings: ${CONFIG_KEYS.join(', ')})` : issue.message;
  throw new ConfigError(`Tempora config of environment "${environment}": ${key} ${what}${got}`);
}

/** `config` with the local issuer trusted when the context names one; refuses a stack that accepts no token. */
function withLocalIssuer(
  environment: string,
  config: EnvironmentConfig,
  context: ContextReader,
): EnvironmentConfig {
  const local = context('localIssuer');
  let { auth } = config;
  if (typeof local === 'string') {
    const withLocal = authConfigSchema.safeParse({
      ...auth,
      issuers: [...auth.issuers, { issuer: local, ...LOCAL_ISSUER_TRUST }],
    });
    if (!withLocal.success)
      throw new ConfigError(
        `Tempora config of environment "${environment}": -c localIssuer ${withLocal.error.issues[0]?.message} (got ${JSON.stringify(local)})`,
      );
    auth = withLocal.data;
  }
  if (!auth.hs256 && auth.issuers.length === 0)
    throw new ConfigError(
      `Tempora-${environment} would accept no token: set auth.issuers (an OIDC provider) or auth.hs256: true in the context "tempora:${environment}" (docs/deploy.md, docs/contract.md#authentication)`,
    );
  return { ...config, auth };
}
