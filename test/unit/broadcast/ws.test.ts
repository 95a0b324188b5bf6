/**
 * The WebSocket routes (lib/broadcast/ws.ts) over in-memory stand-ins: every answer is a
 * posted frame, every refusal a status with the contract error body.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../../lib/broadcast/connections.ts';
import type { PostResult } from '../../../lib/broadcast/fanout.ts';
import type { CampaignSnapshot } from '../../../lib/broadcast/phase.ts';
import { FixedWindowRateLimiter } from '../../../lib/broadcast/rate-limit.ts';
import { mayWatch } from '../../../lib/broadcast/watch-access.ts';
import { type WebSocketEvent, webSocketHandler } from '../../../lib/broadcast/ws.ts';
import { isWsEvent } from '../../../lib/lambda-kit/ws.ts';
import { resolvePolicy } from '../../../lib/policy/matrix.ts';
import { MemoryWindowStore } from '../../kit/memory-window-store.ts';

const CAMPAIGN = '01JCAMPAIGN0000000000000000';

function setup(
  opts: {
    max?: number;
    limit?: number;
    onConnected?: (c: CampaignSnapshot) => Promise<string>;
    /** A policy row keeping this role away from campaigns (access: internal). */
    internalFor?: 'user' | 'admin';
  } = {},
) {
  const campaigns = new Map<string, CampaignSnapshot>([
    [
      CAMPAIGN,
      {
        id: CAMPAIGN,
        state: 'active',
        metadata: opts.max === undefined ? {} : { custom_rules: { max_participants: opts.max } },
      },
    ],
  ]);
  const window = new MemoryWindowStore<ConnectionRecord>();
  const live = new Map<string, ConnectionRecord>();
  const posted: Array<{ connectionId: string; frame: Record<string, unknown> }> = [];
  const scores = new Map<string, number>();
  const connects: Array<{ connectionId: string; deltas?: boolean; resumeFrom?: number | null }> = [];
  const handler = webSocketHandler({
    connections: {
      connect: async (input) => {
        const { campaignId, connectionId, userId, maxParticipants } = input;
        connects.push({ connectionId, deltas: input.deltas, resumeFrom: input.resumeFrom });
        const n = [...live.values()].filter((r) => r.campaignId === campaignId).length;
        if (maxParticipants !== undefined && n >= maxParticipants) return 'full';
        live.set(connectionId, { campaignId, userId });
        window.add(connectionId, { campaignId, userId });
        return 'ok';
      },
      lookup: async (id) => live.get(id),
      remove: async (_c, id) => {
        window.delete(id);
        return live.delete(id);
      },
    },
    leaderboard: {
      add: async (campaignId, user, delta) => {
        const key = `${campaignId}/${user}`;
        scores.set(key, (scores.get(key) ?? 0) + delta);
        return scores.get(key) ?? 0;
      },
    },
    limiter: new FixedWindowRateLimiter({ store: window, limit: opts.limit ?? 100, now: () => 1_000 }),
    post: async (connectionId, data): Promise<PostResult> => {
      posted.push({ connectionId, frame: JSON.parse(String(data)) });
      return 'ok';
    },
    verify: async (token, verifyOpts) => {
      const principal = { issuer: 'tempora', expiresAt: 2e9 };
      if (token === 'admin') return { ok: true, principal: { ...principal, sub: 'root', role: 'admin' } };
      if (token.startsWith('user:'))
        return { ok: true, principal: { ...principal, sub: token.slice(5), role: 'user' } };
      // Live tokens only where the caller asks for them (the watch transports do).
      if (token.startsWith('live:') && verifyOpts?.live)
        return {
          ok: true,
          principal: { ...principal, sub: 'viewer', role: 'admin', campaign: token.slice(5) },
        };
      if (token === 'unmapped')
        return { ok: false, refusal: { status: 403, code: 'forbidden', reason: 'no role' } };
      if (token === 'idp-down')
        return {
          ok: false,
          refusal: { status: 503, code: 'unavailable', reason: 'keys unavailable', retryAfterSeconds: 5 },
        };
      return { ok: false, refusal: { status: 401, code: 'unauthorized', reason: 'Invalid token' } };
    },
    watch: (watcher, campaignId) =>
      mayWatch(watcher, campaignId, {
        environment: 'test',
        loadCampaign: async (id) => campaigns.get(id),
        resolvePolicy: async (key) =>
          resolvePolicy(
            key,
            opts.internalFor
              ? [
                  {
                    role: opts.internalFor,
                    environment: 'test',
                    category: 'campaign',
                    retention: 'forever',
                    access: 'internal',
                    validation: 'strict',
                    exposure: 'none',
                  },
                ]
              : [],
          ),
      }),
    maxMessageBytes: 4096,
    ...(opts.onConnected ? { onConnected: opts.onConnected } : {}),
  });
  const connect = (id: string, q: Record<string, string>) =>
    handler({ requestContext: { connectionId: id, eventType: 'CONNECT' }, queryStringParameters: q });
  const send = (id: string, body: string) =>
    handler({ requestContext: { connectionId: id, eventType: 'MESSAGE', requestId: 'r' }, body });
  const disconnect = (id: string) =>
    handler({ requestContext: { connectionId: id, eventType: 'DISCONNECT' } });
  return { connect, send, disconnect, posted, live, connects };
}

const errorOf = (r: { statusCode: number; body?: string }) =>
  [r.statusCode, (JSON.parse(r.body ?? '{}') as { error?: { code?: string } }).error?.code] as const;

describe('$connect: frames and last_seq (issue 22)', () => {
  const q = { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' };

  it('frames=full|delta is accepted (delta recorded); any other value is a 400 naming frames', async () => {
    const w = setup();
    expect((await w.connect('c1', { ...q, frames: 'full' })).statusCode).toBe(200);
    expect((await w.connect('c2', { ...q, frames: 'delta' })).statusCode).toBe(200);
    const refused = await w.connect('c3', { ...q, frames: 'diff' });
    expect(errorOf(refused)).toEqual([400, 'bad_request']);
    expect(refused.body).toContain('frames');
    expect(w.connects.map((c) => [c.connectionId, c.deltas])).toEqual([
      ['c1', false],
      ['c2', true],
    ]);
  });

  it('last_seq asks for a resume; one that is not a non-negative integer still connects, with a null resume', async () => {
    const w = setup();
    for (const [id, raw] of [
      ['c1', '41'],
      ['c2', 'abc'],
      ['c3', '-1'],
      ['c4', '1.5'],
      ['c5', '0'],
    ] as const)
      expect((await w.connect(id, { ...q, last_seq: raw })).statusCode).toBe(200);
    await w.connect('c6', q);
    expect(w.connects.map((c) => c.resumeFrom)).toEqual([41, null, null, null, 0, undefined]);
  });
});

describe('$connect', () => {
  it('admits a user with its own token, and an admin as anybody', async () => {
    const w = setup();
    expect(await w.connect('c1', { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' })).toEqual({
      statusCode: 200,
    });
    expect(
      (await w.connect('c2', { campaign_id: CAMPAIGN, user_id: 'bob', token: 'admin' })).statusCode,
    ).toBe(200);
    expect(w.live.get('c1')).toEqual({ campaignId: CAMPAIGN, userId: 'ann' });
  });

  it('checks the ticker after admitting (the reconcile trigger), and a failing check never refuses', async () => {
    const checked: string[] = [];
    const w = setup({
      onConnected: async (c) => {
        checked.push(c.id);
        if (checked.length > 1) throw new Error('Step Functions unavailable');
        return 'restarted';
      },
    });
    const q = { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' };
    expect(await w.connect('c1', q)).toEqual({ statusCode: 200 });
    expect(await w.connect('c2', q)).toEqual({ statusCode: 200 });
    expect(checked).toEqual([CAMPAIGN, CAMPAIGN]);
    // A refused connect never gets that far.
    expect((await w.connect('c3', { ...q, token: 'garbage' })).statusCode).toBe(401);
    expect(checked).toHaveLength(2);
  });

  it('refuses with a clear reason', async () => {
    const w = setup();
    const q = { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' };
    expect(errorOf(await w.connect('x', { ...q, token: 'garbage' }))).toEqual([401, 'unauthorized']);
    expect(errorOf(await w.connect('x', { campaign_id: CAMPAIGN, user_id: 'ann' }))).toEqual([
      401,
      'unauthorized',
    ]);
    expect(errorOf(await w.connect('x', { ...q, token: 'user:eve' }))).toEqual([403, 'forbidden']);
    // The verifier's refusals keep their status: a token mapping to no role, an issuer that is down.
    expect(errorOf(await w.connect('x', { ...q, token: 'unmapped' }))).toEqual([403, 'forbidden']);
    expect(errorOf(await w.connect('x', { ...q, token: 'idp-down' }))).toEqual([503, 'unavailable']);
    expect(errorOf(await w.connect('x', { ...q, campaign_id: '01JNOPE' }))).toEqual([404, 'not_found']);
    expect(errorOf(await w.connect('x', { ...q, campaign_id: 'a#b' }))).toEqual([400, 'bad_request']);
    expect(errorOf(await w.connect('x', { ...q, user_id: '' }))).toEqual([400, 'bad_request']);
    expect(w.live.size).toBe(0);
  });

  it('takes a live token for this campaign only, and follows the policy matrix (access: internal)', async () => {
    const w = setup();
    const q = { campaign_id: CAMPAIGN, user_id: 'viewer' };
    expect((await w.connect('l1', { ...q, token: `live:${CAMPAIGN}` })).statusCode).toBe(200);
    expect(errorOf(await w.connect('l2', { ...q, token: 'live:01JOTHERCAMPAIGN00000000000' }))).toEqual([
      403,
      'forbidden',
    ]);
    const kept = setup({ internalFor: 'user' });
    expect(errorOf(await kept.connect('u1', { ...q, user_id: 'ann', token: 'user:ann' }))).toEqual([
      403,
      'forbidden',
    ]);
    expect((await kept.connect('a1', { ...q, token: 'admin' })).statusCode).toBe(200);
  });

  it('refuses the participant over max_participants', async () => {
    const w = setup({ max: 1 });
    expect(
      (await w.connect('c1', { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' })).statusCode,
    ).toBe(200);
    expect(
      errorOf(await w.connect('c2', { campaign_id: CAMPAIGN, user_id: 'bob', token: 'user:bob' })),
    ).toEqual([403, 'max_participants_reached']);
    await w.disconnect('c1');
    expect(
      (await w.connect('c2', { campaign_id: CAMPAIGN, user_id: 'bob', token: 'user:bob' })).statusCode,
    ).toBe(200);
  });
});

describe('$default', () => {
  async function connected(opts?: { limit?: number }) {
    const w = setup(opts);
    await w.connect('c1', { campaign_id: CAMPAIGN, user_id: 'ann', token: 'user:ann' });
    return w;
  }

  it('ping → pong, score → the new score; always 200 with no body (answers are posted)', async () => {
    const w = await connected();
    expect(await w.send('c1', '{"action":"ping","id":"p"}')).toEqual({ statusCode: 200 });
    await w.send('c1', '{"action":"score","delta":4}');
    await w.send('c1', '{"action":"score","delta":-1,"id":"s"}');
    expect(w.posted.map((p) => p.frame)).toMatchObject([
      { type: 'pong', id: 'p' },
      { type: 'score', campaign_id: CAMPAIGN, user: 'ann', score: 4 },
      { type: 'score', score: 3, id: 's' },
    ]);
  });

  it('bad input gets an error frame and nothing else', async () => {
    const w = await connected();
    for (const body of [
      'nope',
      '{"action":"fly"}',
      '{"action":"score"}',
      `{"action":"ping","pad":"${'x'.repeat(5000)}"}`,
    ])
      expect(await w.send('c1', body)).toEqual({ statusCode: 200 });
    expect(w.posted.map((p) => p.frame.code)).toEqual([
      'invalid_json',
      'unknown_action',
      'invalid_message',
      'message_too_large',
    ]);
  });

  it('a flood: one rate_limited frame per window, the excess dropped silently', async () => {
    const w = await connected({ limit: 5 });
    for (let i = 0; i < 20; i += 1) await w.send('c1', '{"action":"ping"}');
    const types = w.posted.map((p) => p.frame.code ?? p.frame.type);
    expect(types).toEqual([...Array(5).fill('pong'), 'rate_limited']);
  });

  it('a message on an unknown connection is told so', async () => {
    const w = setup();
    await w.send('ghost', '{"action":"ping"}');
    expect(w.posted).toEqual([
      { connectionId: 'ghost', frame: expect.objectContaining({ code: 'unknown_connection' }) },
    ]);
  });

  it('$disconnect removes the connection (and is harmless twice)', async () => {
    const w = await connected();
    await w.disconnect('c1');
    await w.disconnect('c1');
    expect(w.live.size).toBe(0);
  });
});

describe('isWsEvent', () => {
  it('tells WebSocket events from HTTP API requests and others', () => {
    const ws: WebSocketEvent = { requestContext: { connectionId: 'c', eventType: 'MESSAGE' } };
    expect(isWsEvent(ws)).toBe(true);
    expect(isWsEvent({ requestContext: { requestId: 'r' }, routeKey: 'GET /x' })).toBe(false);
    expect(isWsEvent({ kind: 'broadcast.tick' })).toBe(false);
    expect(isWsEvent(null)).toBe(false);
  });
});
