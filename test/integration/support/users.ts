/** Users the tests create through the API, as a client would. */
import { expect } from 'vitest';
import { api, eventually } from './client.ts';

/**
 * A fresh user whose retention intent (delete after P90D, cancelled by `user.reactivated`) the
 * scheduler has scheduled from the bus. Resolves to its id.
 */
export async function userWithRetention(prefix = 'ret'): Promise<string> {
  const s = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const made = await api<{ id: string }>('POST', '/api/users', {
    body: { email: `${prefix}-${s}@example.com`, username: `${prefix}_${s}` },
  });
  expect(made.status, made.text).toBe(201);
  await eventually(
    async () => {
      const r = await api<{ items: Array<{ status: string }> }>(
        'GET',
        `/api/scheduler/intents?entity_id=${made.body.id}`,
      );
      return r.body.items?.some((i) => i.status === 'scheduled') ? true : undefined;
    },
    30_000,
    'the retention intent scheduled',
  );
  return made.body.id;
}
