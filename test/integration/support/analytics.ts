/** What the analytics consumer has counted, read as a client would (GET /api/analytics/summary). */
import { expect } from 'vitest';
import { api } from './client.ts';

/** Events counted under `tag` so far (0 when none). */
export async function tagCount(tag: string): Promise<number> {
  const r = await api<{ totals: { tags: Record<string, number> } }>('GET', '/api/analytics/summary');
  expect(r.status, r.text).toBe(200);
  return r.body.totals.tags[tag] ?? 0;
}
