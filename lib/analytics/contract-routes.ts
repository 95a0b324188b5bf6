/**
 * The analytics service's routes and their schemas: `GET /api/analytics/summary`, daily
 * counters over a range of days. lib/registry/domain-routes.ts joins them to the declaration
 * (./contract.ts).
 */
import * as z from 'zod/mini';
import { OPS, type RouteDefinition } from '../registry/types.ts';

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

const counts = z.record(z.string(), z.number());
const dayTotals = { events: z.number().check(z.int()), types: counts, tags: counts, features: counts };

/** `GET /api/analytics/summary`: daily counters over [from, to] and their totals. */
export const analyticsSummarySchema = z.object({
  from: z.string(),
  to: z.string(),
  totals: z.object(dayTotals),
  days: z.array(z.object({ date: z.string(), ...dayTotals })),
});

/** The analytics service's routes besides its collection. */
export const ANALYTICS_ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/api/analytics/summary',
    summary: 'Daily counters over a range of days (from, to; default the last 7).',
    rule: 'analytics.summary',
    roles: OPS,
    query: summaryQuerySchema(),
    response: analyticsSummarySchema,
  },
];
