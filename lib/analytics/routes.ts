/** `GET /api/analytics/summary?from=&to=`: daily counters over a range of days (admin, service: the registry declares it, the kit enforces it). */
import * as z from 'zod';
import type { Routes } from '../edge/http-types.ts';
import { parseQuery } from '../edge/input.ts';
import { json } from '../edge/response.ts';
import { daysBetween, MAX_RANGE_DAYS } from './counters.ts';
import type { AnalyticsCounters } from './service.ts';

const day = z.iso.date('must be a date yyyy-mm-dd');

/** `from`/`to` (inclusive, UTC days). Defaults: the last 7 days up to today. */
export const summaryQuerySchema = (today: () => string = () => new Date().toISOString().slice(0, 10)) =>
  z
    .object({ from: day.optional(), to: day.optional() })
    .transform((q) => {
      const to = q.to ?? today();
      const from = q.from ?? shift(to, -6);
      return { from, to };
    })
    .superRefine((q, ctx) => {
      if (q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
      else if (daysBetween(q.from, q.to).length > MAX_RANGE_DAYS)
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: `the range is at most ${MAX_RANGE_DAYS} days`,
        });
    });

const shift = (d: string, days: number): string =>
  new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export function analyticsRoutes(counters: AnalyticsCounters): Routes {
  const schema = summaryQuerySchema();
  return {
    'GET /api/analytics/summary': {
      handler: async (req) => {
        const q = parseQuery(schema, req.query);
        return json(200, await counters.summary(q.from, q.to));
      },
    },
  };
}
