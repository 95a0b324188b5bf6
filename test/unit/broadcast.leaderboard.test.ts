import { describe, expect, it } from 'vitest';
import { managementEndpointFor } from '../../lib/aws/management-endpoint.ts';
import { maxParticipantsOf } from '../../lib/broadcast/connections.ts';
import { scoreBodySchema } from '../../lib/broadcast/http.ts';
import { DEFAULT_TOP_N, rankTop, topNOf } from '../../lib/broadcast/leaderboard.ts';
import { executionArn } from '../../lib/broadcast/machine.ts';
import { loadBroadcastSettings } from '../../lib/broadcast/settings.ts';

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
    CONNECTIONS_TABLE: 'conns',
    STATE_TABLE: 'state',
    CAMPAIGN_TABLE: 'campaigns',
    STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:tempora-dev-broadcast-ticker',
    WS_API_ID: 'abc123',
    WS_STAGE: 'live',
    WS_MANAGEMENT_ENDPOINT: 'https://abc123.execute-api.eu-west-1.amazonaws.com/live',
  };

  it('management endpoint: the injected one on AWS, the emulator path form under AWS_ENDPOINT_URL', () => {
    expect(managementEndpointFor(env)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/live');
    expect(managementEndpointFor({ ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' })).toBe(
      'http://127.0.0.1:4566/_aws/execute-api/abc123/live',
    );
    expect(() => managementEndpointFor({ WS_API_ID: 'a', WS_STAGE: 's' })).toThrow(/WS_MANAGEMENT_ENDPOINT/);
  });

  it('defaults: 100 messages/s, 60 s bursts, 1000 bursts per execution, top 10, 60 s lead', () => {
    expect(loadBroadcastSettings(env)).toMatchObject({
      rateLimitPerSecond: 100,
      burstMs: 60_000,
      maxIterations: 1000,
      topN: 10,
      startLeadMs: 60_000,
      concurrency: 256,
      maxMessageBytes: 4096,
    });
    expect(loadBroadcastSettings({ ...env, TICK_BURST_SECONDS: '30', LEADERBOARD_TOP_N: '5' })).toMatchObject(
      {
        burstMs: 30_000,
        topN: 5,
      },
    );
    expect(() => loadBroadcastSettings({ ...env, TICK_BURST_SECONDS: '0' })).toThrow();
    expect(() => loadBroadcastSettings({ ...env, STATE_MACHINE_ARN: '' })).toThrow();
  });

  it('execution ARNs derive from the state machine ARN and the name', () => {
    expect(executionArn(env.STATE_MACHINE_ARN, 'c-e1-g0')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:tempora-dev-broadcast-ticker:c-e1-g0',
    );
    expect(() => executionArn('arn:aws:lambda:x', 'n')).toThrow();
  });
});
