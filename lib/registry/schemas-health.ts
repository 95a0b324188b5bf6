/**
 * The health report every service answers (`GET /api/health`, `GET /api/<collection>/health`),
 * in a module of its own so a Lambda that declares a health route (broadcast, the scheduler)
 * bundles this schema and not every schema of ./schemas.ts (a module's top-level zod
 * constructions are kept when it is imported); schemas.ts re-exports it.
 */
import * as z from 'zod/mini';

/** A health report (`GET /api/health`, `GET /api/<collection>/health`). */
export const healthSchema = z.object({
  service: z.string(),
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.object({ name: z.string(), status: z.string(), latency_ms: z.number() })),
});
