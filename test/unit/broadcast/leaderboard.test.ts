import { describe, expect, it } from 'vitest';
import { managementEndpointFor } from '../../../lib/aws/live-endpoints.ts';
import { maxParticipantsOf } from '../../../lib/broadcast/connections.ts';
import { scoreBodySchema } from '../../../lib/broadcast/http.ts';
import {
  DEFAULT_TOP_N,
  LeaderboardStore,
  rankByFormula,
  rankedRowOf,
  rankingFormulaOf,
  rankTop,
  SCORE_INDEX,
  topNOf,
} from '../../../lib/broadcast/leaderboard.ts';
import { executionArn } from '../../../lib/broadcast/machine.ts';
import { broadcastSettings, tickerSettings } from '../../../lib/broadcast/settings.ts';
import { parseFormula } from '../../../lib/entity-metadata/formula.ts';

describe('rankTop', () => {
  it('highest score first, ties by user id, cut at n', () => {
    const entries = [
      { user: 'carol', score: 5 },
      { user: 'alice', score: 9 },
      { user: 'dave', score: 5 },
      { user: 'bob', score: 5 },
      { user: 'erin', score: -1 },
    ];
    expect(rankTop(entries, 3)).toEqual([
      { user: 'alice', score: 9 },
      { user: 'bob', score: 5 },
      { user: 'carol', score: 5 },
    ]);
    expect(rankTop(entries, 10).map((e) => e.user)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(rankTop(entries, 0)).toEqual([]);
  });

  it('drops extra attributes and non-finite scores; never mutates its input', () => {
    const entries = [
      { user: 'a', score: Number.NaN },
      { user: 'b', score: 2, sk: 'score#b' },
    ];
    expect(rankTop(entries, 5)).toEqual([{ user: 'b', score: 2 }]);
    expect(entries[0]?.user).toBe('a');
  });

  it('N comes from configuration within [1, 100], else the default', () => {
    expect(topNOf('25')).toBe(25);
    for (const bad of [undefined, '', '0', '101', '2.5', 'ten']) expect(topNOf(bad)).toBe(DEFAULT_TOP_N);
  });
});

describe('scores body and participants limit', () => {
  it('validates { user, delta }', () => {
    expect(scoreBodySchema.safeParse({ user: 'u-1', delta: 3 }).success).toBe(true);
    for (const bad of [
      { user: '', delta: 1 },
      { user: 'a#b', delta: 1 },
      { user: 'u', delta: '1' },
      { user: 'u' },
    ]) {
      expect(scoreBodySchema.safeParse(bad).success).toBe(false);
    }
    expect(scoreBodySchema.safeParse({ user: 'u', delta: 1, extra: true }).success).toBe(false);
  });

  it('max_participants: a non-negative integer, else no limit', () => {
    expect(maxParticipantsOf({ max_participants: 1000 })).toBe(1000);
    expect(maxParticipantsOf({ max_participants: 0 })).toBe(0);
    for (const v of [-1, 2.5, '10', null]) expect(maxParticipantsOf({ max_participants: v })).toBeUndefined();
    expect(maxParticipantsOf(undefined)).toBeUndefined();
  });
});

describe('settings', () => {
  const env = {
    TEMPORA_ENV: 'dev',
    OUTBOX_TABLE: 'outbox',
    CONNECTIONS_TABLE: 'conns',
    STATE_TABLE: 'state',
    CAMPAIGN_TABLE: 'campaigns',
    STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:tempora-dev-broadcast-ticker',
    WEBSOCKET_API_ID: 'abc123',
    WEBSOCKET_STAGE: 'live',
    WS_MANAGEMENT_ENDPOINT: 'https://abc123.execute-api.eu-west-1.amazonaws.com/live',
  };
  const front = {
    ...env,
    JWT_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt',
    TEMPORA_AUTH: JSON.stringify({ hs256: true, issuers: [] }),
    POLICIES_TABLE: 'policies',
    WEBSOCKET_URL: 'wss://abc123.execute-api.eu-west-1.amazonaws.com/live',
  };
  const endpoint = {
    webSocketApiId: 'abc123',
    webSocketStage: 'live',
    webSocketManagementEndpoint: env.WS_MANAGEMENT_ENDPOINT,
  };

  it('management endpoint: the injected one on AWS, the emulator path form under AWS_ENDPOINT_URL', () => {
    expect(managementEndpointFor(endpoint)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/live');
    expect(managementEndpointFor({ ...endpoint, awsEndpointUrl: 'http://127.0.0.1:4566/' })).toBe(
      'http://127.0.0.1:4566/_aws/execute-api/abc123/live',
    );
  });

  it('defaults: 100 messages/s, 60 s bursts, 1000 bursts per execution, top 10, 60 s lead', () => {
    expect(broadcastSettings(front)).toMatchObject({
      rateLimitPerSecond: 100,
      topN: 10,
      startLeadMs: 60_000,
      concurrency: 256,
      maxMessageBytes: 4096,
      webSocketUrl: 'wss://abc123.execute-api.eu-west-1.amazonaws.com/live',
      events: undefined,
    });
    expect(tickerSettings(env)).toMatchObject({
      burstMs: 60_000,
      maxIterations: 1000,
      postsPerSecond: 5_000,
      accountBudget: 5_000,
      autoEventsPostsPerSec: 2_500,
    });
    expect(tickerSettings({ ...env, TICK_BURST_SECONDS: '30', LEADERBOARD_TOP_N: '5' })).toMatchObject({
      burstMs: 30_000,
      topN: 5,
    });
    expect(() => tickerSettings({ ...env, TICK_BURST_SECONDS: '0' })).toThrow(/TICK_BURST_SECONDS/);
    expect(() => tickerSettings({ ...env, STATE_MACHINE_ARN: '' })).toThrow(/STATE_MACHINE_ARN/);
    expect(() => tickerSettings({ ...env, ACCOUNT_POST_SHARE: '1.5' })).toThrow(/ACCOUNT_POST_SHARE/);
  });

  it('the posting budget of one broadcaster never exceeds the account share', () => {
    expect(tickerSettings({ ...env, ACCOUNT_POST_SHARE: '0.2' })).toMatchObject({
      accountBudget: 2_000,
      postsPerSecond: 2_000,
      autoEventsPostsPerSec: 1_000,
    });
  });

  it('the Event API: AWS hosts from the stack; on the emulator the publish goes to it with the API host, clients by path', () => {
    const events = {
      EVENTS_API_ID: 'ev1',
      EVENTS_HTTP_DNS: 'ev1.appsync-api.eu-west-1.amazonaws.com',
      EVENTS_REALTIME_DNS: 'ev1.appsync-realtime-api.eu-west-1.amazonaws.com',
    };
    expect(tickerSettings({ ...env, ...events }).events).toEqual({
      apiId: 'ev1',
      publishUrl: 'https://ev1.appsync-api.eu-west-1.amazonaws.com',
      publishHost: 'ev1.appsync-api.eu-west-1.amazonaws.com',
      realtimeUrl: 'wss://ev1.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
      httpHost: 'ev1.appsync-api.eu-west-1.amazonaws.com',
      httpUrl: 'https://ev1.appsync-api.eu-west-1.amazonaws.com/event',
    });
    const local = {
      ...env,
      ...events,
      EVENTS_HTTP_DNS: 'ev1.appsync-api.us-east-1.localhost:4566',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    };
    expect(tickerSettings(local).events).toMatchObject({
      publishUrl: 'http://127.0.0.1:4566',
      publishHost: 'ev1.appsync-api.us-east-1.localhost:4566',
      realtimeUrl: 'ws://127.0.0.1:4566/_tempora/appsync-events/ev1/event/realtime',
    });
    expect(broadcastSettings({ ...front, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).webSocketUrl).toBe(
      'ws://127.0.0.1:4566/_aws/execute-api/abc123/live',
    );
  });

  it('execution ARNs derive from the state machine ARN and the name', () => {
    expect(executionArn(env.STATE_MACHINE_ARN, 'c-e1-g0')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:tempora-dev-broadcast-ticker:c-e1-g0',
    );
    expect(() => executionArn('arn:aws:lambda:x', 'n')).toThrow();
  });
});

describe('ranking by formula (service_specific.campaign.ranking.formula)', () => {
  const row = (user: string, score: number, reached: number, scores: Record<string, number> = {}) => ({
    user,
    score,
    scores,
    joined_at: 0,
    reached_at: reached,
  });

  it('ranks by the formula, ties by the earliest to reach the value, then user id; rows carry the value', () => {
    const rows = [
      row('ann', 10, 5, { referrals: 1 }), // 21
      row('bob', 5, 1, { referrals: 20 }), // 30
      row('cat', 9, 3, { referrals: 3 }), // 21, reached before ann
      row('dan', 0, 0), // 0
      row('eve', 9, 3, { referrals: 3 }), // 21, same instant as cat
    ];
    const top = rankByFormula(rows, parseFormula('score * 2 + scores.referrals'), 4);
    expect(top).toEqual([
      { user: 'bob', score: 5, value: 30 },
      { user: 'cat', score: 9, value: 21 },
      { user: 'eve', score: 9, value: 21 },
      { user: 'ann', score: 10, value: 21 },
    ]);
  });

  it('a non-finite value ranks last and is shown as null', () => {
    const top = rankByFormula([row('a', 1, 0), row('b', 2, 0)], parseFormula('log(score - 1)'), 5);
    expect(top).toEqual([
      { user: 'b', score: 2, value: 0 },
      { user: 'a', score: 1, value: null },
    ]);
  });

  it('reads counters, joined_at and the time the row reached its value from the stored item', () => {
    expect(
      rankedRowOf({
        campaign_id: 'c',
        sk: 'score#ann',
        user: 'ann',
        score: 4,
        c_referrals: 2,
        joined_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:05.000Z',
      }),
    ).toEqual({
      user: 'ann',
      score: 4,
      scores: { referrals: 2 },
      joined_at: Date.parse('2026-01-01T00:00:00.000Z') / 1000,
      reached_at: Date.parse('2026-01-01T00:00:05.000Z'),
    });
  });

  it('the formula comes from the campaign metadata; blank or missing means by score', () => {
    expect(rankingFormulaOf({ service_specific: { campaign: { ranking: { formula: 'score' } } } })).toBe(
      'score',
    );
    expect(
      rankingFormulaOf({ service_specific: { campaign: { ranking: { formula: ' ' } } } }),
    ).toBeUndefined();
    expect(rankingFormulaOf({})).toBeUndefined();
    expect(rankingFormulaOf(undefined)).toBeUndefined();
  });

  it('top() reads the campaign partition for a formula, the score index without one or with a bad one', async () => {
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const ddb = {
      send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: cmd.constructor.name, input: cmd.input });
        if (cmd.input.IndexName)
          return {
            Items: [
              { user: 'ann', score: 10 },
              { user: 'bob', score: 5 },
            ],
          };
        return {
          Items: [
            { user: 'ann', score: 10, updated_at: '2026-01-01T00:00:00Z' },
            { user: 'bob', score: 5, c_referrals: 20, updated_at: '2026-01-01T00:00:00Z' },
          ],
        };
      },
    };
    const store = new LeaderboardStore(ddb as never, { state: 'state', outbox: 'outbox' }, 'test');
    expect(await store.top('c1', 10, 'score * 2 + scores.referrals')).toEqual([
      { user: 'bob', score: 5, value: 30 },
      { user: 'ann', score: 10, value: 20 },
    ]);
    expect(sent[0]?.input).toMatchObject({
      TableName: 'state',
      KeyConditionExpression: 'campaign_id = :c AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':c': 'c1', ':p': 'score#' },
    });
    expect(sent[0]?.input.IndexName).toBeUndefined();
    expect(await store.top('c1', 10)).toEqual([
      { user: 'ann', score: 10 },
      { user: 'bob', score: 5 },
    ]);
    expect(await store.top('c1', 10, 'score +')).toEqual([
      { user: 'ann', score: 10 },
      { user: 'bob', score: 5 },
    ]);
    expect(sent.slice(1).map((s) => s.input.IndexName)).toEqual([SCORE_INDEX, SCORE_INDEX]);
  });

  it('add() adds named counters and keeps joined_at in the same atomic update', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const ddb = {
      send: async (cmd: { input: Record<string, unknown> }) => {
        sent.push(cmd.input);
        return { Item: { score: 7 } };
      },
    };
    const store = new LeaderboardStore(ddb as never, { state: 'state', outbox: 'outbox' }, 'test');
    const actor = { sub: 'admin', role: 'admin' } as const;
    await store.add('c1', 'ann', 7, { actor, correlationId: 'x', via: 'http' }, { referrals: 2 });
    const update = (sent[0] as { TransactItems: Array<{ Update?: Record<string, unknown> }> })
      .TransactItems[0]?.Update;
    expect(update?.UpdateExpression).toBe(
      'SET #user = :user, updated_at = :now, joined_at = if_not_exists(joined_at, :now) ADD score :delta, #c0 :c0',
    );
    expect(update?.ExpressionAttributeNames).toEqual({ '#user': 'user', '#c0': 'c_referrals' });
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':delta': 7, ':c0': 2 });
  });

  it('the scores body takes up to 16 named counters with identifier names', () => {
    expect(scoreBodySchema.safeParse({ user: 'u', delta: 1, scores: { referrals: 2 } }).success).toBe(true);
    for (const scores of [{ 'bad-name': 1 }, { ok: 'x' }, { ok: 2_000_000 }]) {
      expect(scoreBodySchema.safeParse({ user: 'u', delta: 1, scores }).success).toBe(false);
    }
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`c${i}`, 1]));
    expect(scoreBodySchema.safeParse({ user: 'u', delta: 1, scores: many }).success).toBe(false);
  });
});
