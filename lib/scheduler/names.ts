import { createHash } from 'node:crypto';

/**
 * One live intent per (entity, pattern): its id, and so its schedule's name, is derived
 * from them, so scheduling again replaces instead of duplicating.
 */
export function intentId(entityType: string, entityId: string, pattern: string): string {
  return `int_${createHash('sha256').update(`${entityType}\u0000${entityId}\u0000${pattern}`).digest('hex').slice(0, 40)}`;
}

/** EventBridge Scheduler name: ≤ 64 chars of [0-9A-Za-z-_.]. */
export function scheduleName(environment: string, id: string): string {
  const name = `${environment}-${id}`;
  if (name.length > 64 || !/^[0-9A-Za-z_.-]+$/.test(name)) throw new Error(`Invalid schedule name ${name}`);
  return name;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, the one-time schedule expression. */
export function atExpression(runAt: Date): string {
  return `at(${runAt.toISOString().slice(0, 19)})`;
}
