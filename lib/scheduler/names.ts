import { createHash } from 'node:crypto';

/**
 * One live intent per (entity, pattern): its id is derived from them, so scheduling again
 * replaces (a new generation) instead of duplicating.
 */
export function intentId(entityType: string, entityId: string, pattern: string): string {
  return `int_${createHash('sha256').update(`${entityType}\u0000${entityId}\u0000${pattern}`).digest('hex').slice(0, 40)}`;
}

/**
 * EventBridge Scheduler name of one generation of an intent: `<env>-<intent id, 128 bits>.<generation>`,
 * ≤ 64 chars of [0-9A-Za-z-_.]. One schedule per generation, never shared: whoever made a
 * generation's schedule may delete it without touching another generation's (a materializer
 * that lost a race to a reschedule, a cancel, a fire).
 */
export function scheduleName(environment: string, id: string, generation: number): string {
  const name = `${environment}-${id.slice(0, 36)}.${generation}`;
  if (name.length > 64 || !/^[0-9A-Za-z_.-]+$/.test(name)) throw new Error(`Invalid schedule name ${name}`);
  return name;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC, the one-time schedule expression. Scheduler counts whole
 * seconds: a `run_at` with milliseconds is rounded up to the next second, so an intent never
 * runs before its `run_at` (truncating fired up to 999 ms early).
 */
export function atExpression(runAt: Date): string {
  const second = new Date(Math.ceil(runAt.getTime() / 1000) * 1000);
  return `at(${second.toISOString().slice(0, 19)})`;
}
