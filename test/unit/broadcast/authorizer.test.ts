/**
 * Who may watch a live campaign: live tokens (lib/broadcast/live-token.ts) through the platform's
 * one token check (lib/auth/verify.ts, `{ live: true }`), the one rule (watch-access.ts) and the
 * Event API's Lambda authorizer (authorizer.ts) that applies both — to the stack's own tokens and
 * to a trusted OIDC issuer's alike.
 */
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../lib/auth/tokens.ts';
import type { AuthResult, Verifier } from '../../../lib/auth/verify.ts';
import { eventsAuthorizer } from '../../../lib/broadcast/authorizer.ts';
import { LIVE_TOKEN_TTL_SECONDS, mintLiveToken } from '../../../lib/broadcast/live-token.ts';
import type { CampaignSnapshot } from '../../../lib/broadcast/phase.ts';
import { mayWatch, type WatchDeps } from '../../../lib/broadcast/watch-access.ts';
import { resolvePolicy } from '../../../lib/policy/matrix.ts';
import { FakeIdp, kitKey } from '../../kit/idp.ts';

const SECRET = 'k'.repeat(48);
let idp: FakeIdp;
/** The platform's verifier with the stack key SECRET, trusting the fake IdP (and, by default, HS256 API tokens). */
let verify: Verifier;
beforeAll(async () => {
  idp = await FakeIdp.start();
  verify = idp.verifier({ secret: SECRET });
});
const refusal = (r: AuthResult) =>
  r.ok ? undefined : { status: r.refusal.status, reason: r.refusal.reason };
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

describe('live tokens (lib/auth/verify.ts with { live: true })', () => {
  const live = { live: true };
  it('a live token names its campaign; an API token is accepted too; anything else is a 401', async () => {
    const token = await mintLiveToken(SECRET, { sub: 'ann', role: 'user' }, A);
    const r = await verify(token, live);
    expect(r.ok && r.principal).toEqual({
      sub: 'ann',
      role: 'user',
      issuer: 'tempora',
      campaign: A,
      expiresAt: expect.any(Number),
    });
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'admin' });
    const api = await verify(apiToken, live);
    expect(api.ok && api.principal).toEqual({
      sub: 'bob',
      role: 'admin',
      issuer: 'tempora',
      expiresAt: expect.any(Number),
    });
    expect(refusal(await idp.verifier({ secret: 'x'.repeat(48) })(token, live))?.status).toBe(401);
    const expired = await mintLiveToken(
      SECRET,
      { sub: 'ann', role: 'user' },
      A,
      Date.now() - (LIVE_TOKEN_TTL_SECONDS + 120) * 1000,
    );
    expect(refusal(await verify(expired, live))).toEqual({ status: 401, reason: 'Token expired' });
    const noCampaign = await new SignJWT({ role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuer('tempora')
      .setAudience('tempora-live')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect(refusal(await verify(noCampaign, live))).toEqual({
      status: 401,
      reason: 'A live token names its campaign',
    });
  });

  it('a live token cannot call the API (another audience): only the watch transports ask for live tokens', async () => {
    const token = await mintLiveToken(SECRET, { sub: 'ann', role: 'admin' }, A);
    expect(refusal(await verify(token))).toEqual({
      status: 401,
      reason: 'Token audience is not accepted by this stack',
    });
  });

  it('a stack that refuses its own HS256 API tokens still takes the live tokens it mints', async () => {
    const noHs256 = idp.verifier({ hs256: false, secret: SECRET });
    const token = await mintLiveToken(SECRET, { sub: 'okta|ann', role: 'user' }, A);
    expect((await noHs256(token, live)).ok).toBe(true);
    expect(refusal(await noHs256(token))?.status).toBe(401);
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'admin' });
    expect(refusal(await noHs256(apiToken, live))?.reason).toMatch(/not accepted by this stack/);
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
    verify: (t, o) => verify(t, o),
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

  it("a trusted OIDC issuer's token: connects and subscribes with its mapped role; refusals as on HTTP", async () => {
    const logged: Array<Record<string, unknown> | undefined> = [];
    const authorizeLogged = eventsAuthorizer({
      ...deps(),
      verify: (t, o) => verify(t, o),
      log: (_l, _m, extra) => logged.push(extra),
    });
    const user = await idp.mint({ sub: 'u-42', groups: ['players'] });
    expect(await authorizeLogged(event('EVENT_CONNECT', `Bearer ${user}`))).toEqual({
      isAuthorized: true,
      ttlOverride: 0,
      handlerContext: { sub: 'u-42', role: 'user' },
    });
    expect((await authorizeLogged(event('EVENT_SUBSCRIBE', user, `/campaigns/${A}`))).isAuthorized).toBe(
      true,
    );
    const admin = await idp.mint({ sub: 'ops-1', groups: ['admins'] }, { key: idp.key('ES256') });
    expect(
      (await authorizeLogged(event('EVENT_SUBSCRIBE', admin, `/campaigns/${B}`))).handlerContext,
    ).toEqual({
      sub: 'ops-1',
      role: 'admin',
    });
    // A group that maps to no role (403 on HTTP), a wrong audience and an unknown kid (401): refused, reason logged.
    const unmapped = await idp.mint({ groups: ['visitors'] });
    expect((await authorizeLogged(event('EVENT_CONNECT', unmapped))).isAuthorized).toBe(false);
    expect(logged.at(-1)?.reason).toMatch(/^403 The token's "groups" claim holds no value/);
    const wrongAud = await idp.mint({ aud: 'someone-else' });
    expect((await authorizeLogged(event('EVENT_CONNECT', wrongAud))).isAuthorized).toBe(false);
    expect(logged.at(-1)?.reason).toBe('401 Token audience is not accepted by this stack');
    const stranger = await idp.mint({}, { key: await kitKey('RS256', 'not-published') });
    const before = idp.jwksFetches();
    expect((await authorizeLogged(event('EVENT_CONNECT', stranger))).isAuthorized).toBe(false);
    expect(logged.at(-1)?.reason).toMatch(/^401 /);
    expect(idp.jwksFetches() - before).toBeLessThanOrEqual(1);
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
      verify: (t, o) => verify(t, o),
      log: (_l, m) => logged.push(m),
    });
    const apiToken = await mintToken(SECRET, { sub: 'bob', role: 'user' });
    expect((await failing(event('EVENT_SUBSCRIBE', apiToken, `/campaigns/${A}`))).isAuthorized).toBe(false);
    expect(logged).toContain('events authorizer failed');
  });
});
