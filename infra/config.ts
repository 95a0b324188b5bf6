/**
 * What each environment takes at deploy time, declared in one place (docs/deploy.md
 * "Configuration"): alarm thresholds, the alarm email, the broadcaster's share of the account's
 * API Gateway quota, the scheduling horizon. Resolved at synth, later sources winning:
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
}

/** What every environment starts from: production values. */
export const DEFAULTS: EnvironmentConfig = {
  broadcastBudgetShare: 0.5,
  apiGatewayRequestsPerSecond: 10_000,
  schedulingHorizonMinutes: 7 * 24 * 60,
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
    thresholds: {
      functionErrors: 20,
      httpApi5xxPercent: 5,
      httpApiP99LatencyMs: 5_000,
      deadLetterAgeMinutes: 24 * 60,
      tickLatenessP99Ms: 1_000,
    },
  },
  // Test and CI stacks are ephemeral like dev: a horizon short enough for the tests to see deferral.
  test: { schedulingHorizonMinutes: 2 },
  ci: { schedulingHorizonMinutes: 2 },
  local: { schedulingHorizonMinutes: 2 },
  prod: {},
};

/** The environments CI synthesizes and lints (`npm run lint:cfn`). */
export const SYNTHESIZED_ENVIRONMENTS = ['dev', 'prod'] as const;

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
});

/** Every setting as a dotted key (`thresholds.functionErrors`), for `-c` and for messages. */
export const CONFIG_KEYS: readonly string[] = [
  ...Object.keys(configSchema.shape).filter((k) => k !== 'thresholds'),
  ...Object.keys(thresholdsSchema.shape).map((k) => `thresholds.${k}`),
];

/** Reads CDK context (`node.tryGetContext`). */
export type ContextReader = (key: string) => unknown;

type Flat = Map<string, { value: unknown; source: string }>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens `obj` into dotted keys (one level of nesting: `thresholds`), recording its source. */
function flatten(into: Flat, obj: unknown, source: string, where: string): void {
  if (obj === undefined) return;
  if (!isRecord(obj))
    throw new ConfigError(`Tempora config: ${where} must be an object, got ${JSON.stringify(obj)}`);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'thresholds' && isRecord(v)) {
      for (const [t, tv] of Object.entries(v)) into.set(`thresholds.${t}`, { value: tv, source });
    } else into.set(k, { value: v, source });
  }
}

function unflatten(flat: Flat): Record<string, unknown> {
  const out: Record<string, unknown> = { thresholds: {} };
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
 * context. Throws a {@link ConfigError} naming the first bad key and its source.
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
  if (parsed.success) return parsed.data as EnvironmentConfig;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const key = [...issue.path.map(String), ...(unknownKey ? [unknownKey] : [])].join('.');
  const entry = flat.get(key);
  const got = entry ? ` (got ${JSON.stringify(entry.value)} from ${entry.source})` : '';
  const what = unknownKey ? `is not a setting (settings: ${CONFIG_KEYS.join(', ')})` : issue.message;
  throw new ConfigError(`Tempora config of environment "${environment}": ${key} ${what}${got}`);
}
