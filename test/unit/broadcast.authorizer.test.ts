/**
 * Who may watch a live campaign: live tokens (lib/broadcast/live-token.ts), the one rule
 * (watch-access.ts) and the Event API's Lambda authorizer (authorizer.ts) that applies it.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../lib/auth/tokens.ts';
import { eventsAuthorizer } from '../../lib/broadcast/authorizer.ts';
import { LIVE_TOKEN_TTL_SECONDS, mintLiveToken, verifyWatchToken } from '../../lib/broadcast/live-token.ts';
import type { CampaignSnapshot } from '../../lib/broadcast/phase.ts';
import { mayWatch, type WatchDeps } from '../../lib/broadcast/watch-access.ts';
import { resolvePolicy } from '../../lib/policy/matrix.ts';

const SECRET = 'k'.repeat(48);
const A = '01JCAMPAIGNA000000000000000';
const B = '01JCAMPAIGNB000000000000000';
const campaign = (id: string): CampaignSnapshot => ({ id, state: 'active', metadata: {} });

const deps = (internalFor?: 'user'): WatchDeps => ({
  environment: 'test',
  loadCampaign: async (id) => (id === A || id === B ? campaign(id) : undefined),
  resolvePolicy: async (key) =>
    resolvePolicy(
      key,
      internalFor
        ? [
            {
              role: internalFor,
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
});

const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { status?: number }).status ?? 500;
  }
};

describe('live tokens', () => {
  it('a live token names its campaign; an API token is accepted too; anything else is a 401', async () => {
    const live = await mintLiveToken(SECRET, { sub: 'ann', role: 'user' }, A);
    expect(await verifyWatchToken(SECRET, live)).toEqual({ sub: 'ann', role: 'user', campaign: A });
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'admin' });
    expect(await verifyWatchToken(SECRET, apiToken)).toEqual({ sub: 'bob', role: 'admin' });
    expect(await statusOf(verifyWatchToken('x'.repeat(48), live))).toBe(401);
    const expired = await mintLiveToken(
      SECRET,
      { sub: 'ann', role: 'user' },
      A,
      Date.now() - (LIVE_TOKEN_TTL_SECONDS + 60) * 1000,
    );
    await expect(verifyWatchToken(SECRET, expired)).rejects.toThrow(/expired/);
    const noCampaign = await new SignJWT({ role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuer('tempora')
      .setAudience('tempora-live')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect(await statusOf(verifyWatchToken(SECRET, noCampaign))).toBe(401);
  });

  it('a live token cannot call the API (another audience)', async () => {
    const live = await mintLiveToken(SECRET, { sub: 'ann', role: 'admin' }, A);
    const { verifyToken } = await import('../../lib/auth/tokens.ts');
    expect(await statusOf(verifyToken(SECRET, live))).toBe(401);
  });
});

describe('mayWatch', () => {
  it('anybody with a valid token watches an existing campaign; a live token only its own', async () => {
    expect(await statusOf(mayWatch({ sub: 'ann', role: 'user' }, A, deps()))).toBe(200);
    expect(await statusOf(mayWatch({ sub: 'ann', role: 'user', campaign: A }, A, deps()))).toBe(200);
    expect(await statusOf(mayWatch({ sub: 'ann', role: 'user', campaign: A }, B, deps()))).toBe(403);
    expect(await statusOf(mayWatch({ sub: 'ann', role: 'user' }, '01JNOSUCH', deps()))).toBe(404);
  });

  it('the policy matrix keeps a role away from campaigns with access: internal', async () => {
    expect(await statusOf(mayWatch({ sub: 'ann', role: 'user' }, A, deps('user')))).toBe(403);
    expect(await statusOf(mayWatch({ sub: 'root', role: 'admin' }, A, deps('user')))).toBe(200);
  });
});

describe('the Event API authorizer', () => {
  const authorize = eventsAuthorizer({
    ...deps(),
    verify: (t) => verifyWatchToken(SECRET, t),
    log: () => undefined,
  });
  const event = (operation: string, token: string | undefined, channel?: string) => ({
    ...(token === undefined ? {} : { authorizationToken: token }),
    requestContext: {
      apiId: 'ev1',
      operation,
      channelNamespaceName: channel ? 'campaigns' : null,
      channel: channel ?? null,
    },
  });

  it('connect: a valid token (bare or Bearer); never cached', async () => {
    const token = await mintLiveToken(SECRET, { sub: 'ann', role: 'user' }, A);
    expect(await authorize(event('EVENT_CONNECT', token))).toEqual({
      isAuthorized: true,
      ttlOverride: 0,
      handlerContext: { sub: 'ann', role: 'user' },
    });
    expect((await authorize(event('EVENT_CONNECT', `Bearer ${token}`))).isAuthorized).toBe(true);
    expect(await authorize(event('EVENT_CONNECT', undefined))).toEqual({
      isAuthorized: false,
      ttlOverride: 0,
    });
    expect((await authorize(event('EVENT_CONNECT', 'not.a.jwt'))).isAuthorized).toBe(false);
  });

  it("subscribe: the token's campaign channel only, never a wildcard or another namespace", async () => {
    const live = await mintLiveToken(SECRET, { sub: 'ann', role: 'user' }, A);
    expect((await authorize(event('EVENT_SUBSCRIBE', live, `/campaigns/${A}`))).isAuthorized).toBe(true);
    expect((await authorize(event('EVENT_SUBSCRIBE', live, `/campaigns/${B}`))).isAuthorized).toBe(false);
    expect((await authorize(event('EVENT_SUBSCRIBE', live, '/campaigns/*'))).isAuthorized).toBe(false);
    expect((await authorize(event('EVENT_SUBSCRIBE', live, `/other/${A}`))).isAuthorized).toBe(false);
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'user' });
    expect((await authorize(event('EVENT_SUBSCRIBE', apiToken, `/campaigns/${B}`))).isAuthorized).toBe(true);
    expect((await authorize(event('EVENT_SUBSCRIBE', apiToken, '/campaigns/01JNOSUCH'))).isAuthorized).toBe(
      false,
    );
  });

  it('publish is refused whatever the token (IAM only); so is an unknown operation', async () => {
    const apiToken = await mintToken(SECRET, { sub: 'root', role: 'admin' });
    expect((await authorize(event('EVENT_PUBLISH', apiToken, `/campaigns/${A}`))).isAuthorized).toBe(false);
    expect((await authorize(event('EVENT_WHATEVER', apiToken))).isAuthorized).toBe(false);
  });

  it('a failing read refuses (and is logged), never throws', async () => {
    const logged: string[] = [];
    const failing = eventsAuthorizer({
      ...deps(),
      loadCampaign: async () => {
        throw new Error('throttled');
      },
      verify: (t) => verifyWatchToken(SECRET, t),
      log: (_l, m) => logged.push(m),
    });
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'user' });
    expect((await failing(event('EVENT_SUBSCRIBE', apiToken, `/campaigns/${A}`))).isAuthorized).toBe(false);
    expect(logged).toContain('events authorizer failed');
  });
});
