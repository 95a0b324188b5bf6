/**
 * Query, path and answer schemas of the read routes of the knowledge graph, the audit trail,
 * analytics and prices. A module apart from ./schemas.ts so that a function that serves none of
 * them (broadcast, the scheduler) does not bundle them; lib/registry/index.ts exports both.
 */
import * as z from 'zod/mini';
import { countrySchema, currencySchema, pricedBySchema, skuSchema } from '../entity-metadata/pricing.ts';
import { indexKeyString } from '../limits/index.ts';

export { pricedBySchema };

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

/** A resolved price (lib/entity-metadata/pricing.ts `resolvePrice`). */
export const priceSchema = z.object({
  sku: z.string(),
  currency: z.string(),
  amount: z.number(),
  country: z.optional(z.string()),
  region: z.optional(z.string()),
  level: z.enum(['country', 'region', 'global']),
  rule: z.object({ ref: z.string(), version: z.number().check(z.int()) }),
});
