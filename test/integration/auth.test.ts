/**
 * Bring your own identity provider (issue 27), on the deployed dev stack with the local OIDC
 * issuer (localstack/oidc.ts: discovery + JWKS in the emulator's S3):
 *
 * - an IdP user token creates, reads and scores; an admin mapped from a group claim administers;
 *   a WebSocket connect with an IdP token works, with the same refusals as HTTP; so does the
 *   AppSync Events transport (its Lambda authorizer verifies through the same lib/auth entry);
 * - API Gateway's JWT authorizer, measured on the emulator with a throwaway API configured as
 *   infra/constructs/edge-auth.ts does: which tokens it refuses before any Lambda runs, and that
 *   the functions' own check refuses every one of them too (the dev stack has no authorizer);
 * - the issuer rotates its keys: both work mid-rotation, a removed key works until the JWKS is
 *   fetched again, then is refused; while the JWKS endpoint is down cached keys keep working and a
 *   new kid gets 503 with Retry-After;
 * - `tempora auth rotate` keeps the old platform key valid through the grace window, then not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevTokens } from '../../lib/auth/tokens.ts';
import { loadLocalConfig } from '../../localstack/config.ts';
import { type JwtAuthorizedApi, jwtAuthorizedApi } from '../../localstack/jwt-authorizer.ts';
import { readLocalOutputs, writeLocalOutputs } from '../../localstack/outputs.ts';
import { readSecret } from '../../localstack/stack.ts';
import { api, eventually } from './support/client.ts';
import { EventsClient, liveJoin } from './support/events-client.ts';
import {
  forgedIdpTokens,
  idpToken,
  issuerUrl,
  keepIssuer,
  putJwksBack,
  strangerKey,
  takeJwksDown,
  tempora,
} from './support/oidc.ts';
import { loadOutputs } from './support/outputs.ts';
import { LiveClient } from './support/ws-client.ts';

const run = Date.now().toString(36);
/** A campaign (not on the air: no ticker left running after the test). */
async function campaignFor(name: string): Promise<string> {
  const r = await api<{ id: string }>('POST', '/api/campaigns', { body: { name } });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}
const errorOf = (r: { status: number; body: Record<string, unknown> }) =>
  [r.status, (r.body.error as { code?: string } | undefined)?.code] as const;

describe('identity-provider tokens on the dev stack', () => {
  it('a user token from the IdP creates, reads and scores', async () => {
    const sub = `idp-user-${run}`;
    const token = await idpToken({ sub, role: 'user' });
    const created = await api('POST', '/api/referrals', {
      token,
      body: { referrer_id: sub, code: `idp_${run}` },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.owner_id).toBe(sub);
    const read = await api('GET', `/api/referrals/${created.body.id}`, { token });
    expect(read.status, read.text).toBe(200);
    const campaign = await campaignFor(`idp scores ${run}`);
    const scored = await api('POST', `/api/campaigns/${campaign}/scores`, {
      token,
      body: { user: sub, delta: 5 },
    });
    expect(scored.status, scored.text).toBe(200);
    expect(scored.body).toMatchObject({ user: sub, score: 5 });
    // A user is a user: not someone else's score, not the users list.
    expect(
      errorOf(
        await api('POST', `/api/campaigns/${campaign}/scores`, { token, body: { user: 'ada', delta: 1 } }),
      ),
    ).toEqual([403, 'forbidden']);
    expect(errorOf(await api('GET', '/api/users', { token }))).toEqual([403, 'forbidden']);
  });

  it('an admin mapped from a group claim administers (ES256 and EdDSA keys too)', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const token = await idpToken({ sub: `idp-admin-${run}`, claims: { groups: ['admins'] }, alg });
      const policies = await api('GET', '/api/policies', { token });
      expect(policies.status, `${alg}: ${policies.text}`).toBe(200);
    }
    const token = await idpToken({ sub: `idp-admin-${run}`, claims: { groups: ['admins', 'users'] } });
    const campaign = await api('POST', '/api/campaigns', { token, body: { name: `idp admin ${run}` } });
    expect(campaign.status, campaign.text).toBe(201);
    const users = await api('GET', '/api/users', { token });
    expect(users.status, users.text).toBe(200);
  });

  it('a token whose groups map to no role is refused with 403 and the reason; a forged one with 401', async () => {
    const guest = await api('GET', '/api/notifications', {
      token: await idpToken({ sub: 'g', claims: { groups: ['guests'] } }),
    });
    expect(errorOf(guest)).toEqual([403, 'forbidden']);
    expect(guest.body.error).toMatchObject({
      details: { rule: 'role_mapping' },
      message: expect.stringMatching(/"groups" claim/),
    });
    const forged = await api('GET', '/api/notifications', {
      token: await idpToken({ sub: 'f', role: 'admin', key: await strangerKey() }),
    });
    expect(errorOf(forged)).toEqual([401, 'unauthorized']);
    expect(forged.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", error_description="Unknown signing key/,
    );
  });

  it('a WebSocket connect with an IdP token works; the same token rules refuse the others', async () => {
    const campaign = await campaignFor(`idp ws ${run}`);
    const sub = `idp-ws-${run}`;
    const client = await LiveClient.open({
      campaign_id: campaign,
      user_id: sub,
      token: await idpToken({ sub, role: 'user' }),
    });
    try {
      client.send({ action: 'ping', id: 'p1' });
      await client.waitFor((r) => r.some((x) => x.frame.type === 'pong'), 15_000, 'a pong');
    } finally {
      await client.close();
    }
    const opens = async (token: string, user = sub) => {
      const o = await LiveClient.connect({ campaign_id: campaign, user_id: user, token });
      if (o.ok) await o.client.close();
      return o.ok;
    };
    // Refused: no role (403 from the function), a wrong audience (401), another user's token (403).
    // MiniStack answers every refused $connect with HTTP 403 (AWS passes the function's status
    // on): test/unit/broadcast/ws.test.ts checks the status of each refusal.
    expect(await opens(await idpToken({ sub, claims: { groups: ['guests'] } }))).toBe(false);
    expect(await opens(await idpToken({ sub, role: 'user', claims: { aud: 'someone-else' } }))).toBe(false);
    expect(await opens(await idpToken({ sub, role: 'user' }), 'someone-else')).toBe(false);
    expect(await opens(await idpToken({ sub, role: 'user' }))).toBe(true);
  });

  it('the Events transport takes an IdP token too: its authorizer applies the same rules', async () => {
    const out = loadOutputs();
    const realtime = out.eventsRealtimeUrl;
    const host = out.eventsHttpHost;
    if (!realtime || !host) throw new Error('no Event API in .local/outputs.json (localstack/event-api.ts)');
    const campaign = await campaignFor(`idp events ${run}`);
    const sub = `idp-events-${run}`;
    const token = await idpToken({ sub, role: 'user' });
    const clients: EventsClient[] = [];
    const subscribes = async (t: string): Promise<boolean> => {
      const c = await EventsClient.connect(realtime, host, t);
      if (!c.ok) return false;
      clients.push(c.client);
      return (await c.client.subscribe(`/campaigns/${campaign}`)).type === 'subscribe_success';
    };
    try {
      // The IdP token itself, bare and as `Bearer …`, and the live token /live answers its holder.
      expect(await subscribes(token)).toBe(true);
      expect(await subscribes(`Bearer ${token}`)).toBe(true);
      expect(await subscribes((await liveJoin(campaign, token)).token)).toBe(true);
      // Refused: a group that maps to no role, another audience, a key the issuer never published.
      expect(await subscribes(await idpToken({ sub, claims: { groups: ['guests'] } }))).toBe(false);
      expect(await subscribes(await idpToken({ sub, role: 'user', claims: { aud: 'someone-else' } }))).toBe(
        false,
      );
      expect(await subscribes(await idpToken({ sub, role: 'user', key: await strangerKey() }))).toBe(false);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe('API Gateway’s JWT authorizer on the emulator (MiniStack), against the functions’ own check', () => {
  let edge: JwtAuthorizedApi;
  const ROUTE = '/api/notifications';
  beforeAll(async () => {
    edge = await jwtAuthorizedApi(`GET ${ROUTE}`, issuerUrl(), ['tempora-local']);
  });
  afterAll(async () => {
    await edge?.remove();
  });

  const viaEdge = async (token: string) => {
    const res = await fetch(`${edge.url}${ROUTE}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const viaFunction = (token: string) => api('GET', ROUTE, { token });

  it('enforces it: each forged token is refused before any function runs, and by the function too', async () => {
    const valid = await idpToken({ sub: 'edge', role: 'user' });
    const ok = await viaEdge(valid);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toHaveProperty('items'); // the function answered
    for (const [what, token] of Object.entries(await forgedIdpTokens('edge'))) {
      // API Gateway's own answer (not the contract's error shape): the function was not invoked.
      expect({ what, ...(await viaEdge(token)) }).toEqual({
        what,
        status: 401,
        body: { message: 'Unauthorized' },
      });
      const fn = await viaFunction(token);
      expect({ what, status: fn.status, code: (fn.body.error as { code?: string })?.code }).toEqual({
        what,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it('where it cannot decide, the function does: roles, the 8 KB cap, platform tokens, other algorithms', async () => {
    // A token whose groups map to no role passes the authorizer (it knows no roles): the function refuses it.
    const guest = await idpToken({ sub: 'edge', claims: { groups: ['guests'] } });
    expect((await viaEdge(guest)).status).toBe(403);
    expect(errorOf(await viaFunction(guest))).toEqual([403, 'forbidden']);
    // A validly signed 9 KB token passes the authorizer; the function refuses it unparsed.
    const big = await idpToken({ sub: 'edge', role: 'user', claims: { pad: 'x'.repeat(9000) } });
    const bigAtEdge = await viaEdge(big);
    expect(bigAtEdge.status).toBe(401);
    expect((bigAtEdge.body.error as { message?: string }).message).toBe('Token is larger than 8192 bytes');
    // The platform's HS256 dev token: the authorizer cannot verify it (so a stack trusting HS256 gets no authorizer).
    const dev = loadOutputs().tokens.user;
    expect(await viaEdge(dev)).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect((await viaFunction(dev)).status).toBe(200);
    // ES256 (RS256 only at the edge, as on AWS) and a 30 s clock skew (none at the edge on MiniStack).
    const es = await idpToken({ sub: 'edge', role: 'user', alg: 'ES256' });
    expect((await viaEdge(es)).status).toBe(401);
    expect((await viaFunction(es)).status).toBe(200);
    const skewed = await idpToken({
      sub: 'edge',
      role: 'user',
      claims: { nbf: Math.floor(Date.now() / 1000) + 30 },
    });
    expect((await viaEdge(skewed)).status).toBe(401);
    expect((await viaFunction(skewed)).status).toBe(200);
  });
});

// The two rotations wait on caches (a JWKS refetch's rate limit, a grace window), on different keys
// and functions: they run side by side.
describe.concurrent('key rotation', () => {
  const cfg = loadLocalConfig();
  let restore: () => Promise<void>;
  beforeAll(() => {
    restore = keepIssuer();
  });
  afterAll(async () => {
    await restore();
    // Other test files read the dev tokens: after the platform key's rotation, tokens of the new
    // key, in the outputs file the suite reads (everything else in it as it was: the Event API,
    // the dead-letter queues).
    const file = process.env.TEMPORA_OUTPUTS || loadLocalConfig().paths.outputsFile;
    const outputs = readLocalOutputs(file);
    const secretArn = outputs.stackOutputs.JwtSecretArn ?? '';
    outputs.tokens = await mintDevTokens(await readSecret(cfg.endpoint, cfg.region, secretArn));
    writeLocalOutputs(file, outputs);
  });

  it('the issuer’s keys: both work mid-rotation; a removed key works until the JWKS is refetched, then not; an outage serves cached keys and refuses new kids with 503', async () => {
    // One function's cache, untouched by the tests above (the knowledge graph's): its first refetch is not rate-limited.
    const ROUTE = '/api/kg/services/campaign';
    const as = async (token: string) => (await api('GET', ROUTE, { token })).status;
    const old = await idpToken({ sub: `rot-${run}`, role: 'user' });
    expect(await as(old)).toBe(200);

    // The issuer publishes a second key and signs with it (npx tempora auth rotate --issuer oidc).
    const rotated = await tempora('auth', 'rotate', '--issuer', 'oidc');
    expect(rotated.code, rotated.output).toBe(0);
    const next = await idpToken({ sub: `rot-${run}`, role: 'user' });
    // Its kid is new: the function refetches the JWKS, at once unless it refetched in the last
    // 30 s (a forged kid of another file, e.g. the fuzz, may have just made it): within 30 s.
    await eventually(
      async () => ((await as(next)) === 200 ? true : undefined),
      45_000,
      'the new key accepted',
    );
    expect(await as(old)).toBe(200);

    // It stops publishing the old key: the function's cached JWKS still has it.
    const retired = await tempora('auth', 'retire', '--issuer', 'oidc');
    expect(retired.code, retired.output).toBe(0);
    expect(await as(old)).toBe(200);

    // The JWKS endpoint goes down (404). A kid never seen forces a refetch once the rate limit
    // (30 s since the last) allows: it fails, so that token gets 503 with Retry-After…
    await takeJwksDown();
    const unknown = await idpToken({ sub: `rot-${run}`, role: 'user', key: await strangerKey() });
    const outage = await eventually(
      async () => {
        const r = await api('GET', ROUTE, { token: unknown });
        return r.status === 503 ? r : undefined;
      },
      60_000,
      'a 503 for a new kid while the JWKS is down',
    );
    expect(outage.body.error).toMatchObject({ code: 'unavailable' });
    expect(Number(outage.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // …while tokens of cached keys keep working, the removed one included (the refetch failed).
    expect(await as(next)).toBe(200);
    expect(await as(old)).toBe(200);

    // The endpoint is back: the next refetch succeeds, and the removed key's tokens are refused.
    await putJwksBack();
    await eventually(
      async () => ((await as(unknown)) === 401 ? true : undefined),
      30_000,
      'the JWKS refetched',
    );
    const refused = await api('GET', ROUTE, { token: old });
    expect(errorOf(refused)).toEqual([401, 'unauthorized']);
    expect((refused.body.error as { message: string }).message).toMatch(/^Unknown signing key/);
    expect(await as(next)).toBe(200);
  });

  it('npx tempora auth rotate keeps both platform keys valid through the grace window, then refuses the old key', async () => {
    const mint = async () => {
      const r = await tempora('token', '--role', 'admin', '--sub', `rot-${run}`);
      expect(r.code, r.output).toBe(0);
      return r.stdout.trim();
    };
    const as = async (token: string) => (await api('GET', '/api/policies', { token })).status;
    const before = await mint();
    expect(await as(before)).toBe(200);

    // A window long enough for the five CLI runs below on a loaded machine (each ~2–5 s there).
    const rotated = await tempora('auth', 'rotate', '--grace', '40s');
    expect(rotated.code, rotated.output).toBe(0);
    expect(rotated.stdout).toMatch(/stays valid until/);
    const status = await tempora('auth', 'status');
    expect(status.stdout).toMatch(/^current {3}k-\S+\nprevious {2}k-\S+ {2}valid until \S+Z\n$/);
    // A second rotation inside the window would cut the old key off at once: refused.
    const again = await tempora('auth', 'rotate');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/rotating now would refuse its tokens at once; wait, or use --force/);

    const after = await mint();
    expect(await as(after)).toBe(200); // a new kid: the function reads the secret again
    expect(await as(before)).toBe(200); // the grace window
    // The window ends: the old key's tokens are refused, the new ones keep working.
    await eventually(
      async () => ((await as(before)) === 401 ? true : undefined),
      70_000,
      'the grace window to end',
    );
    expect(await as(after)).toBe(200);
  });
});
