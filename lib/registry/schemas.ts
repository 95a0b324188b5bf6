/**
 * The request schemas routes declare (lib/registry/routes.ts): they live here, in base, so the
 * registry can name them and every layer above (the kit validating, the store, the services)
 * imports the one definition.
 */
import * as z from 'zod/mini';
import { idString, indexKeyString, jsonObject } from '../limits/index.ts';
import { ISO_DURATION_RE } from '../metadata/namespaces.ts';
import { countrySchema, currencySchema, skuSchema } from '../metadata/pricing.ts';
import { ROLES } from './types.ts';

const documentation = new WeakMap<z.ZodMiniType, z.ZodMiniType>();

/**
 * Document `schema` in the OpenAPI as `doc` (for a schema that dispatches between others, which
 * JSON Schema cannot express as parameters): the kit still parses with `schema`.
 */
export function documentedAs<S extends z.ZodMiniType>(schema: S, doc: z.ZodMiniType): S {
  documentation.set(schema, doc);
  return schema;
}

/** What the OpenAPI shows of a request schema ({@link documentedAs}, or the schema itself). */
export const documentationOf = (schema: z.ZodMiniType): z.ZodMiniType => documentation.get(schema) ?? schema;

/** Largest page a list answers. */
export const MAX_PAGE_SIZE = 100;

/** An entity id in a path. */
export const entityIdSchema = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(128, 'is at most 128 characters'));
export const idParamsSchema = z.object({ id: entityIdSchema });

/** The query string of `GET /api/<collection>`. */
export const listQuerySchema = z.object({
  state: z.optional(z.string().check(z.regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word'))),
  // Both become part of the `_metadata_index` partition key: bytes capped, well-formed.
  tag: z.optional(indexKeyString().check(z.minLength(1))),
  feature: z.optional(indexKeyString().check(z.minLength(1))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_SIZE))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  broadcasting: z.optional(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  ),
});

/** A dotted lower-case event type (`campaign.created`). */
export const eventTypeSchema = z
  .string()
  .check(
    z.maxLength(128, 'is at most 128 characters (EventBridge detail-type)'),
    z.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be a dotted lower-case event type'),
  );

/** `POST /api/events`: an event an operator puts on the bus. */
export const eventBodySchema = z.strictObject({
  type: eventTypeSchema,
  /** Emitting service, e.g. `billing-sync` → source `tempora.billing-sync`; default `api`. */
  service: z._default(
    z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case service name')),
    'api',
  ),
  entity: z.strictObject({
    type: z.string().check(z.minLength(1), z.maxLength(64)),
    id: idString(),
    version: z._default(z.number().check(z.int(), z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)), 0),
  }),
  payload: z.optional(jsonObject()),
});

/** ISO 8601 duration (date and time parts, e.g. P90D, P1Y, PT12H) or `forever`. */
export const retentionSchema = z.union([
  z.literal('forever'),
  z.string().check(z.regex(ISO_DURATION_RE, 'must be an ISO 8601 duration such as P90D, or "forever"')),
]);

/** A row of the policy matrix (`PUT /api/policies/{role}/{environment}/{category}`). */
export const policySchema = z.strictObject({
  retention: retentionSchema,
  access: z.enum(['full', 'internal', 'self+admin']),
  validation: z.enum(['strict', 'lenient']),
  exposure: z.enum(['internal', 'none', 'summary', 'full']),
});

export const policyEnvironmentSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case environment name'));

export const policyKeySchema = z.object({
  role: z.enum(ROLES),
  environment: policyEnvironmentSchema,
  category: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case category name')),
});

export const policyListQuerySchema = z.object({ environment: z.optional(policyEnvironmentSchema) });

/** Largest |delta| of one score update. */
export const MAX_SCORE_DELTA = 1_000_000;

/** A user id as the leaderboard keeps it. */
export const userIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.@:-]{1,128}$/, 'must be 1-128 letters, digits or _ . @ : -'));

/** A score change: a finite number, at most {@link MAX_SCORE_DELTA} either way. */
export const scoreDeltaSchema = z
  .number({ error: 'must be a number' })
  .check(
    z.gte(-MAX_SCORE_DELTA, { error: `must be ≥ -${MAX_SCORE_DELTA}` }),
    z.lte(MAX_SCORE_DELTA, { error: `must be ≤ ${MAX_SCORE_DELTA}` }),
  );

/** `POST /api/campaigns/{id}/scores`. */
export const scoreBodySchema = z.strictObject({ user: userIdSchema, delta: scoreDeltaSchema });
export const campaignIdParamsSchema = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a campaign id')),
});

/** `GET /api/scheduler/intents?entity_id=`. */
export const intentListQuerySchema = z.object({
  entity_id: z
    .string({ error: 'is required (an entity id)' })
    .check(z.minLength(1), z.maxLength(128, 'is required (an entity id)')),
});

/** The contract's error shape, every 4xx/5xx. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.unknown()),
  }),
});

/** A health report (`GET /api/health`, `GET /api/<collection>/health`). */
export const healthSchema = z.object({
  service: z.string(),
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.object({ name: z.string(), status: z.string(), latency_ms: z.number() })),
});

/** What a scheduler intent does when it fires. */
export const ACTIONS = ['delete', 'archive', 'run_pattern'] as const;
export type IntentAction = (typeof ACTIONS)[number];

/** Where an intent is in its life (only a `scheduled` one can be cancelled). */
export const INTENT_STATUSES = ['scheduled', 'executing', 'cancelled', 'executed', 'failed'] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

/**
 * The `scheduler.schedule` payload of the contract (`POST /api/scheduler/intents`, or the event
 * on the bus): what to do to which entity, when, and which events cancel it.
 */
export const schedulePayloadSchema = z.strictObject({
  action: z.enum(ACTIONS),
  run_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
  pattern: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(64),
      z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, dots, dashes or underscores'),
    ),
  cancel_on: z._default(z.array(eventTypeSchema).check(z.maxLength(20)), []),
  entity: z.strictObject({
    type: z.string().check(z.minLength(1), z.maxLength(64)),
    id: z.string().check(z.minLength(1), z.maxLength(128)),
  }),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

export type SchedulePayload = z.infer<typeof schedulePayloadSchema>;

/** A service name in a `/api/kg` path. */
export const kgNameParamsSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
});

/** `GET /api/kg/diagram`: whose neighbourhood, dependencies only, which direction. */
export const kgDiagramQuerySchema = z.object({
  focus: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  deps_only: z.optional(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  ),
  direction: z.optional(z.enum(['LR', 'TD', 'RL', 'BT'])),
});

/** `GET /api/kg/history`: how many versions, newest first. */
export const kgHistoryQuerySchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
});

/** Largest pattern name (bytes of UTF-8): it is part of the pattern's partition key. */
export const MAX_PATTERN_BYTES = 512;
/** Default and largest page of `GET /api/kg/patterns/{pattern}`. */
export const MAX_PATTERN_PAGE = 100;

/** `GET /api/kg/patterns/{pattern}`: the pattern (trimmed), a page size and a cursor. */
export const kgPatternParamsSchema = z.object({
  pattern: indexKeyString(MAX_PATTERN_BYTES).check(z.trim(), z.minLength(1, 'must not be empty')),
});
export const kgPatternQuerySchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PATTERN_PAGE))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

const auditTime = z.iso.datetime({ offset: true });

/** `GET /api/security/audits`: by entity or by event type, within [from, to], a page at a time. */
export const auditQuerySchema = z
  .object({
    entity_id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    type: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    from: z.optional(auditTime),
    to: z.optional(auditTime),
    limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(500))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  })
  .check(
    z.refine((q) => q.entity_id !== undefined || q.type !== undefined, {
      message: 'entity_id or type is required (the audit trail is queried by entity or by event type)',
      path: ['entity_id'],
    }),
  );
export type AuditQuery = z.output<typeof auditQuerySchema>;

/** Widest `GET /api/analytics/summary` range, in days. */
export const MAX_RANGE_DAYS = 92;

const DAY_MS = 86_400_000;
const summaryDay = z.iso.date('must be a date yyyy-mm-dd');
const shiftDay = (d: string, days: number): string =>
  new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * `GET /api/analytics/summary?from=&to=`: inclusive UTC days, at most {@link MAX_RANGE_DAYS};
 * default the last 7 days up to `today()` (read when a request is parsed).
 */
export const summaryQuerySchema = (today: () => string = () => new Date().toISOString().slice(0, 10)) =>
  z
    .pipe(
      z.object({ from: z.optional(summaryDay), to: z.optional(summaryDay) }),
      z.transform((q) => {
        const to = q.to ?? today();
        const from = q.from ?? shiftDay(to, -6);
        return { from, to };
      }),
    )
    .check(
      z.superRefine((q, ctx) => {
        if (q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
        else if ((Date.parse(q.to) - Date.parse(q.from)) / DAY_MS + 1 > MAX_RANGE_DAYS)
          ctx.addIssue({
            code: 'custom',
            path: ['to'],
            message: `the range is at most ${MAX_RANGE_DAYS} days`,
          });
      }),
    );
export type SummaryQuery = z.output<ReturnType<typeof summaryQuerySchema>>;

/** `GET /api/localization/prices`: a sku in a currency, for a country (none: the global rule). */
export const priceQuerySchema = z.strictObject({
  sku: skuSchema,
  currency: currencySchema,
  country: z.optional(countrySchema),
});

/** The pricing rule that priced something: its record, version and how specific it was. */
export const pricedBySchema = z.strictObject({
  rule: z.string().check(z.maxLength(300)),
  version: z.number().check(z.int(), z.positive()),
  level: z.enum(['country', 'region', 'global']),
});

/** A resolved price (lib/metadata/pricing.ts `resolvePrice`). */
export const priceSchema = z.object({
  sku: z.string(),
  currency: z.string(),
  amount: z.number(),
  country: z.optional(z.string()),
  region: z.optional(z.string()),
  level: z.enum(['country', 'region', 'global']),
  rule: z.object({ ref: z.string(), version: z.number().check(z.int()) }),
});
