/**
 * Ask Tempora (issue 26) on the deployed stack: answers about a user's retention intent and an
 * archived campaign, a confirmed cancel that ends the intent with its scheduler.cancelled in the
 * audit, confirmation tokens refused when reused or another caller's, a too-long question (413);
 * and a campaign ranked by a formula, whose frames show that order.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, eventually } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';
import { userWithRetention } from './support/users.ts';

interface Answer {
  intent: string;
  answer: string;
  facts: Array<Record<string, unknown>>;
  actions?: Array<{ kind: string; path: string; confirmation_token: string }>;
}

const ask = (text: string, as: 'admin' | 'user' | 'service' = 'admin') =>
  api<Answer>('POST', '/api/converse', { as, body: { text } });

describe('POST /api/converse', () => {
  it('answers what will happen to a user with a retention intent; a user role is told it may not read intents', async () => {
    const id = await userWithRetention('conv');
    const a = await ask(`what will happen to user ${id}?`);
    expect(a.status, a.text).toBe(200);
    expect(a.text.endsWith('\n')).toBe(true);
    expect(a.body.intent).toBe('entity.future');
    expect(a.body.answer).toMatch(
      new RegExp(`^user ${id} has 1 pending intent: delete \\(retention\\) at .*user\\.reactivated`),
    );
    expect(a.body.facts[0]).toMatchObject({
      kind: 'intent',
      action: 'delete',
      pattern: 'retention',
      status: 'scheduled',
    });
    expect((await ask(`what will happen to user ${id}?`)).body).toEqual(a.body);
    const asUser = await ask(`what will happen to user ${id}?`, 'user');
    expect(asUser.body.answer).toMatch(/^Your role may not read the scheduler intents \(403/);
  });

  it('a confirmed cancel ends the intent with scheduler.cancelled in the audit; the token works once, for its caller', async () => {
    const id = await userWithRetention('conv');
    const proposed = await ask(`cancel the retention of user ${id}`);
    expect(proposed.status, proposed.text).toBe(200);
    const action = proposed.body.actions?.[0];
    expect(action).toMatchObject({ kind: 'cancel_intent' });
    const before = await api<{ items: Array<{ status: string }> }>(
      'GET',
      `/api/scheduler/intents?entity_id=${id}`,
    );
    expect(before.body.items.map((i) => i.status)).toContain('scheduled');
    const token = action?.confirmation_token as string;
    const other = await api('POST', '/api/converse/confirm', { as: 'service', body: { token } });
    expect(other.status, other.text).toBe(403);
    const done = await api<Answer>('POST', '/api/converse/confirm', { body: { token } });
    expect(done.status, done.text).toBe(200);
    expect(done.body.answer).toMatch(/^Done: Cancel the delete \(retention\)/);
    const again = await api('POST', '/api/converse/confirm', { body: { token } });
    expect(again.status, again.text).toBe(403);
    expect(again.text).toContain('already used');
    const after = await api<{ items: Array<{ status: string }> }>(
      'GET',
      `/api/scheduler/intents?entity_id=${id}`,
    );
    expect(after.body.items.map((i) => i.status)).toContain('cancelled');
    await eventually(
      async () => {
        const r = await api<{ items: Array<{ type: string }> }>(
          'GET',
          `/api/security/audits?entity_id=${id}`,
        );
        return r.body.items.some((i) => i.type === 'scheduler.cancelled') ? true : undefined;
      },
      30_000,
      'scheduler.cancelled in the audit trail',
    );
    const forged = await api('POST', '/api/converse/confirm', { body: { token: 'not-a-token' } });
    expect(forged.status).toBe(403);
  });

  it('answers why a campaign was archived, with the event chain', async () => {
    const end = new Date(Date.now() + 12_000).toISOString();
    const made = await api<{ id: string }>('POST', '/api/campaigns', {
      body: {
        name: 'Converse archive',
        metadata: {
          scheduling: { end_time: end },
          service_specific: { campaign: { archive_after: 'PT2S' } },
        },
      },
    });
    expect(made.status, made.text).toBe(201);
    await eventually(
      async () => {
        const r = await api<{ state: string }>('GET', `/api/campaigns/${made.body.id}`);
        return r.body.state === 'archived' ? true : undefined;
      },
      90_000,
      'the campaign archived',
    );
    const a = await eventually(
      async () => {
        const r = await ask(`why was campaign ${made.body.id} archived?`);
        return r.body.answer.includes('scheduler.executed') ? r : undefined;
      },
      30_000,
      'the archive in the audit',
    );
    expect(a.body.intent).toBe('entity.why');
    expect(a.body.answer).toMatch(
      /archive intent "archive-after-end".*Event chain: campaign\.created → scheduler\.schedule/,
    );
  });

  it('refuses a question over 2,000 characters with 413 and answers anything else with examples', async () => {
    const long = await api('POST', '/api/converse', { body: { text: 'x'.repeat(2001) } });
    expect(long.status, long.text).toBe(413);
    const odd = await ask('sing me a song');
    expect(odd.body.intent).toBe('unknown');
    expect(odd.body.facts).toHaveLength(3);
  });
});

describe('ranking formula on the air', () => {
  it('a campaign ranked by score * 2 + scores.referrals shows that order in its frames', async () => {
    const out = loadOutputs();
    const now = Date.now();
    const made = await api<{ id: string }>('POST', '/api/campaigns', {
      body: {
        name: 'Ranked',
        metadata: {
          features: ['broadcast', 'leaderboard'],
          scheduling: {
            frequency: 5,
            start_time: new Date(now - 60_000).toISOString(),
            end_time: new Date(now + 600_000).toISOString(),
          },
          service_specific: {
            campaign: { broadcast_enabled: true, ranking: { formula: 'score * 2 + scores.referrals' } },
          },
        },
      },
    });
    expect(made.status, made.text).toBe(201);
    const id = made.body.id;
    const bad = await api('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { service_specific: { campaign: { ranking: { formula: 'score / 0' } } } } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Division by a literal zero (\\"/\\") at position 6');
    expect(bad.body).toMatchObject({
      error: { details: { issues: [{ path: 'metadata.service_specific.campaign.ranking.formula' }] } },
    });
    for (const [user, delta, referrals] of [
      ['ann', 10, 0],
      ['bob', 5, 20],
      ['cat', 8, 3],
    ] as const) {
      const r = await api('POST', `/api/campaigns/${id}/scores`, {
        body: { user, delta, scores: { referrals } },
      });
      expect(r.status, r.text).toBe(200);
    }
    const ws = new WebSocket(
      `${out.webSocketUrl}?campaign_id=${id}&user_id=watcher&token=${out.tokens.admin}`,
    );
    try {
      const order = await new Promise<string[]>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no ranked frame within 60 s')), 60_000);
        ws.on('message', (data) => {
          const f = JSON.parse(String(data)) as {
            type: string;
            payload?: { leaderboard: Array<{ user: string }> };
          };
          if (f.type !== 'campaign.state' || (f.payload?.leaderboard.length ?? 0) < 3) return;
          clearTimeout(t);
          resolve(f.payload?.leaderboard.map((r) => r.user) ?? []);
        });
      });
      // bob 5*2+20 = 30, ann 10*2+0 = 20, cat 8*2+3 = 19 (by score alone: ann, cat, bob).
      expect(order).toEqual(['bob', 'ann', 'cat']);
    } finally {
      ws.close();
      await api('PATCH', `/api/campaigns/${id}`, {
        body: { metadata: { service_specific: { campaign: { broadcast_enabled: false } } } },
      });
    }
  });
});
