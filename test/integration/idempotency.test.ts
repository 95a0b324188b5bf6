/**
 * Idempotent retries over HTTPS on the emulator (issue 12, item 2): the `Idempotency-Key`
 * header on the POSTs that create or add. A retry with the same key replays the first answer
 * (status, body, `Idempotency-Replayed: true`) and applies nothing again; another body → 422;
 * concurrent duplicates → one runs, the others get 409 or the replay.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiResponse, api } from './support/client.ts';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const keyed = (key: string, body?: unknown) => ({
  headers: { 'Idempotency-Key': key },
  ...(body === undefined ? {} : { body }),
});
const replayed = (r: ApiResponse<unknown>) => r.headers.get('idempotency-replayed');

async function campaign(): Promise<string> {
  const r = await api<{ id: string }>('POST', '/api/campaigns', {
    body: { name: `Idem ${unique()}`, metadata: { features: ['leaderboard'] } },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

describe('Idempotency-Key', () => {
  it.concurrent('a retried score with the same key adds the delta once and replays the first answer', async () => {
    const id = await campaign();
    const key = randomUUID();
    const body = { user: `u-${unique()}`, delta: 7 };
    const first = await api('POST', `/api/campaigns/${id}/scores`, keyed(key, body));
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ campaign_id: id, user: body.user, score: 7 });
    expect(replayed(first)).toBeNull();
    for (let i = 0; i < 2; i++) {
      const again = await api('POST', `/api/campaigns/${id}/scores`, keyed(key, body));
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);
      expect(replayed(again)).toBe('true');
      expect(again.headers.get('x-correlation-id')).toBeTruthy();
    }
    // The leaderboard saw one +7: the next (new key) +1 answers 8, not 22.
    const next = await api('POST', `/api/campaigns/${id}/scores`, keyed(randomUUID(), { ...body, delta: 1 }));
    expect(next.body).toEqual({ campaign_id: id, user: body.user, score: 8 });
    // Without the header nothing is deduplicated (the header is opt-in per request).
    const plain = await api('POST', `/api/campaigns/${id}/scores`, { body: { ...body, delta: 1 } });
    expect(plain.body).toEqual({ campaign_id: id, user: body.user, score: 9 });
  });

  it.concurrent('the same key with another body is a 422 naming the header; nothing is applied', async () => {
    const id = await campaign();
    const key = randomUUID();
    const user = `u-${unique()}`;
    const first = await api('POST', `/api/campaigns/${id}/scores`, keyed(key, { user, delta: 5 }));
    expect(first.status).toBe(200);
    const other = await api<{ error: { code: string; message: string; details: { header: string } } }>(
      'POST',
      `/api/campaigns/${id}/scores`,
      keyed(key, { user, delta: 6 }),
    );
    expect(other.status, other.text).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(other.body.error.details.header).toBe('Idempotency-Key');
    // Reusing it on another entity is a different request too.
    const otherCampaign = await campaign();
    const elsewhere = await api(
      'POST',
      `/api/campaigns/${otherCampaign}/scores`,
      keyed(key, { user, delta: 5 }),
    );
    expect(elsewhere.status).toBe(422);
    const check = await api('POST', `/api/campaigns/${id}/scores`, { body: { user, delta: 0.5 } });
    expect(check.body).toMatchObject({ score: 5.5 });
  });

  it.concurrent('concurrent duplicates: one runs, the others get 409 naming the header or the replay', async () => {
    const id = await campaign();
    const key = randomUUID();
    const body = { user: `u-${unique()}`, delta: 3 };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api('POST', `/api/campaigns/${id}/scores`, keyed(key, body))),
    );
    const ran = answers.filter((a) => a.status === 200 && replayed(a) === null);
    const replays = answers.filter((a) => a.status === 200 && replayed(a) === 'true');
    const busy = answers.filter((a) => a.status === 409);
    expect(ran).toHaveLength(1);
    expect(replays.length + busy.length).toBe(answers.length - 1);
    for (const b of busy) expect(b.text).toContain('Idempotency-Key');
    for (const r of replays) expect(r.text).toBe(ran[0]?.text);
    // A client retrying its 409s with the same key gets the first answer.
    const retried = await api('POST', `/api/campaigns/${id}/scores`, keyed(key, body));
    expect(retried.text).toBe(ran[0]?.text);
    const check = await api('POST', `/api/campaigns/${id}/scores`, { body: { ...body, delta: 1 } });
    expect(check.body).toMatchObject({ score: 4 });
  });

  it.concurrent('entity creates, verbs, intents and events replay the first answer (same id)', async () => {
    const createKey = randomUUID();
    const body = { name: `Once ${unique()}` };
    const created = await api<{ id: string }>('POST', '/api/campaigns', keyed(createKey, body));
    expect(created.status, created.text).toBe(201);
    const again = await api<{ id: string }>('POST', '/api/campaigns', keyed(createKey, body));
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(created.body.id);
    expect(replayed(again)).toBe('true');
    const id = created.body.id;

    const verbKey = randomUUID();
    const extended = await api<{ version: number }>('POST', `/api/campaigns/${id}/extend`, keyed(verbKey));
    expect(extended.status, extended.text).toBe(200);
    const extendedAgain = await api<{ version: number }>(
      'POST',
      `/api/campaigns/${id}/extend`,
      keyed(verbKey),
    );
    expect(extendedAgain.body.version).toBe(extended.body.version);
    const current = await api<{ version: number }>('GET', `/api/campaigns/${id}`);
    expect(current.body.version).toBe(extended.body.version);

    const intentKey = randomUUID();
    const intent = {
      action: 'archive',
      run_at: '2030-01-01T00:00:00Z',
      pattern: 'campaign-archive',
      entity: { type: 'campaign', id },
      cancel_on: ['campaign.deleted'],
    };
    const i1 = await api<{ id: string }>('POST', '/api/scheduler/intents', keyed(intentKey, intent));
    expect(i1.status, i1.text).toBe(202);
    const i2 = await api<{ id: string }>('POST', '/api/scheduler/intents', keyed(intentKey, intent));
    expect([i2.status, i2.body.id, replayed(i2)]).toEqual([202, i1.body.id, 'true']);

    const eventKey = randomUUID();
    const event = {
      type: 'billing.invoice_paid',
      service: 'billing-sync',
      entity: { type: 'invoice', id: `inv_${unique()}` },
      payload: { amount: 1 },
    };
    const e1 = await api<{ id: string }>('POST', '/api/events', keyed(eventKey, event));
    expect(e1.status, e1.text).toBe(202);
    const e2 = await api<{ id: string }>('POST', '/api/events', keyed(eventKey, event));
    expect([e2.status, e2.body.id, replayed(e2)]).toEqual([202, e1.body.id, 'true']);
  });

  it.concurrent('a malformed key is a 400 naming headers.idempotency-key', async () => {
    const r = await api<{ error: { details: { issues: Array<{ path: string }> } } }>(
      'POST',
      '/api/campaigns',
      keyed('x'.repeat(256), { name: `Bad ${unique()}` }),
    );
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.details.issues.map((i) => i.path)).toEqual(['headers.idempotency-key']);
  });

  it.concurrent('a request that failed keeps no record: the retry runs', async () => {
    const key = randomUUID();
    const missing = await api('POST', '/api/campaigns/01NOSUCHCAMPAIGN000000000/extend', keyed(key));
    expect(missing.status).toBe(404);
    const again = await api('POST', '/api/campaigns/01NOSUCHCAMPAIGN000000000/extend', keyed(key));
    expect([again.status, replayed(again)]).toEqual([404, null]);
  });
});
