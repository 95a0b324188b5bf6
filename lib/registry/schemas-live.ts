/**
 * The schemas of the broadcast service's routes (scores, campaign ids) and the health report,
 * in a module of their own so the broadcast Lambda bundles these and not every schema of
 * lib/registry/schemas.ts (a module's top-level zod constructions are kept when it is imported);
 * schemas.ts re-exports them.
 */
import * as z from 'zod/mini';

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

/** Most named counters one score post may change. */
export const MAX_SCORE_COUNTERS = 16;

/**
 * Named counters posted with a score (`scores.<name>` in a ranking formula): name → delta.
 * Names are identifiers (lib/entity-metadata/formula.ts `COUNTER_NAME_RE`).
 */
export const scoreCountersSchema = z.catchall(z.object({}), scoreDeltaSchema).check(
  z.refine((r) => Object.keys(r).length <= MAX_SCORE_COUNTERS, `at most ${MAX_SCORE_COUNTERS} counters`),
  z.refine(
    (r) => Object.keys(r).every((k) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)),
    'counter names must be identifiers of 1-64 characters',
  ),
);

/** `POST /api/campaigns/{id}/scores`. */
export const scoreBodySchema = z.strictObject({
  user: userIdSchema,
  delta: scoreDeltaSchema,
  scores: z.optional(scoreCountersSchema),
});
export const campaignIdParamsSchema = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a campaign id')),
});

/** A health report (`GET /api/health`, `GET /api/<collection>/health`). */
export const healthSchema = z.object({
  service: z.string(),
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.object({ name: z.string(), status: z.string(), latency_ms: z.number() })),
});
