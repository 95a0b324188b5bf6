import { describe, expect, it } from 'vitest';
import { managementEndpointFor } from '../../lib/aws/live-endpoints.ts';
import { maxParticipantsOf } from '../../lib/broadcast/connections.ts';
import { scoreBodySchema } from '../../lib/broadcast/http.ts';
import { DEFAULT_TOP_N, rankTop, topNOf } from '../../lib/broadcast/leaderboard.ts';
import { executionArn } from '../../lib/broadcast/machine.ts';
import { broadcastSettings, tickerSettings } from '../../lib/broadcast/settings.ts';

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
