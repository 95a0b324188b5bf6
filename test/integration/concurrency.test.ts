/**
 * Concurrency on the emulator (issue 12, Tests): nothing lost, nothing doubled.
 * - 50 concurrent PATCHes without If-Match, each adding its own key: every one is applied
 *   (the store re-reads and retries a conflict; a 409 left over is retried by the client, as a
 *   client should).
 * - 50 concurrent scores, each with its own Idempotency-Key (and retried with the same key on
 *   a 409 or a 5xx): the leaderboard holds exactly their sum.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiResponse, api, type CallOptions } from './support/client.ts';

const N = 50;

/**
 * A client's retry loop: a 409, a 5xx, a gateway answer without the contract shape (the
 * emulator's 502 when its Lambda pool is saturated) or a timeout is retried with backoff — the
 * same request with the same headers (so the same Idempotency-Key), which is what makes it safe.
 */
async function withRetries<T>(
  method: string,
  path: string,
  opts: CallOptions,
): Promise<{ r: ApiResponse<T>; tries: number }> {
  for (let tries = 1; ; tries++) {
    let r: ApiResponse<T> | undefined;
    try {
      r = await api<T>(method, path, opts);
    } catch (e) {
      if (tries >= 20) throw e;
    }
    if (r && ((r.status !== 409 && r.status < 500) || tries >= 20)) return { r, tries };
    await new Promise((res) => setTimeout(res, 100 * tries + Math.random() * 200));
  }
}

describe('concurrent writes', () => {
  it(`${N} concurrent PATCHes without If-Match lose no update`, { timeout: 400_000 }, async () => {
    const created = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: `conc ${randomUUID().slice(0, 8)}` },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withRetries('PATCH', `/api/campaigns/${id}`, {
          body: { metadata: { custom_rules: { [`k${i}`]: i } } },
        }),
      ),
    );
    expect(results.map((x) => x.r.status)).toEqual(Array(N).fill(200));
    const after = await api<{ version: number; metadata: { custom_rules?: Record<string, number> } }>(
      'GET',
      `/api/campaigns/${id}`,
    );
    expect(after.body.metadata.custom_rules).toEqual(
      Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, i])),
    );
    // One version per update at least (the platform's own writes, e.g. intents, may add more).
    expect(after.body.version).toBeGreaterThanOrEqual(1 + N);
    console.log(
      `[concurrency] ${N} PATCHes: ${results.filter((x) => x.tries > 1).length} needed a client retry (max ${Math.max(...results.map((x) => x.tries))} tries)`,
    );
  });

  it(`${N} concurrent scores with distinct Idempotency-Keys sum exactly`, async () => {
    const created = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: `scores ${randomUUID().slice(0, 8)}`, metadata: { features: ['leaderboard'] } },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const user = `u-${randomUUID().slice(0, 8)}`;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withRetries<{ score: number }>('POST', `/api/campaigns/${id}/scores`, {
          headers: { 'Idempotency-Key': randomUUID() },
          body: { user, delta: i + 1 },
        }),
      ),
    );
    expect(results.map((x) => x.r.status)).toEqual(Array(N).fill(200));
    const expected = (N * (N + 1)) / 2;
    // Atomic increments: the last one applied answers the total.
    expect(Math.max(...results.map((x) => x.r.body.score))).toBe(expected);
    const check = await api<{ score: number }>('POST', `/api/campaigns/${id}/scores`, {
      body: { user, delta: 0 },
    });
    expect(check.body.score).toBe(expected);
  });
});
