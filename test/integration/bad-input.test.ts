/**
 * Every client mistake gets the contract error shape with the right 4xx, and nothing
 * is written (entity table, master table and outbox are unchanged).
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, countItems } from './support/client.ts';

type ErrorBody = { error: { code: string; message: string; details?: { issues?: Array<{ path: string }> } } };

const paths = (r: { body: ErrorBody }) => (r.body.error.details?.issues ?? []).map((i) => i.path).sort();

let existingId = '';
let before: Record<string, number> = {};
const counted = ['campaign', 'user', 'metadataMaster', 'nexusOutbox'];

beforeAll(async () => {
  const r = await api<{ id: string }>('POST', '/api/campaigns', {
    body: { name: 'fixture', metadata: { tags: ['fixture'] } },
  });
  expect(r.status, r.text).toBe(201);
  existingId = r.body.id;
  before = Object.fromEntries(await Promise.all(counted.map(async (t) => [t, await countItems(t)] as const)));
});

afterAll(async () => {
  // Nothing the bad requests below sent may have been written anywhere.
  const after = Object.fromEntries(
    await Promise.all(counted.map(async (t) => [t, await countItems(t)] as const)),
  );
  expect(after).toEqual(before);
  await api('DELETE', `/api/campaigns/${existingId}`);
});

describe('bad input is refused with the contract error shape', () => {
  it('malformed JSON → 400', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', { rawBody: '{"name": ' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.text).not.toMatch(/at .*\.(js|ts|mjs):\d+/); // no stack trace
  });

  it('a body that is not an object → 400', async () => {
    const r = await api<ErrorBody>('POST', '/api/users', { body: [1, 2] });
    expect(r.status).toBe(400);
  });

  it('wrong types and unknown fields → 400 naming every field by path', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      body: {
        name: 42,
        colour: 'red',
        metadata: {
          tags: 'not-a-list',
          scheduling: { frequency: 0, start_time: '2025-06-30T00:00:00Z', end_time: '2025-06-01T00:00:00Z' },
          service_specific: { campaign: { broadcast_enabled: 'yes' } },
        },
      },
    });
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(
      expect.arrayContaining([
        'name',
        'colour',
        'metadata.tags',
        'metadata.scheduling.frequency',
        'metadata.service_specific.campaign.broadcast_enabled',
      ]),
    );
  });

  it('end_time before start_time → 400 at metadata.scheduling.end_time', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      body: {
        name: 'x',
        metadata: { scheduling: { start_time: '2025-06-30T00:00:00Z', end_time: '2025-06-01T00:00:00Z' } },
      },
    });
    expect(r.status).toBe(400);
    expect(paths(r)).toContain('metadata.scheduling.end_time');
  });

  it('unknown top-level metadata key under strict validation → 400', async () => {
    const r = await api<ErrorBody>('POST', '/api/users', {
      body: { email: 'strict@example.com', username: 'strict_user', metadata: { colour: 'blue' } },
    });
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(['metadata.colour']);
  });

  it('read-only fields → 400', async () => {
    const r = await api<ErrorBody>('PATCH', `/api/campaigns/${existingId}`, {
      body: { version: 7, id: 'x' },
    });
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(['id', 'version']);
  });

  it('metadata over 64 KB → 413', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      body: { name: 'big', metadata: { custom_rules: { blob: 'x'.repeat(70 * 1024) } } },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });

  it('a body over the request limit → 413', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      rawBody: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
    });
    expect(r.status).toBe(413);
  });

  it('a non-JSON content type → 415', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', {
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(415);
  });

  it('missing, malformed, forged and expired tokens → 401', async () => {
    expect((await api<ErrorBody>('GET', `/api/campaigns/${existingId}`, { as: null })).status).toBe(401);
    expect((await api<ErrorBody>('GET', `/api/campaigns/${existingId}`, { token: 'not-a-jwt' })).status).toBe(
      401,
    );
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer('tempora')
      .setAudience('tempora-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-platform-secret-not-the-platform-secret'));
    const f = await api<ErrorBody>('POST', '/api/campaigns', { token: forged, body: { name: 'forged' } });
    expect(f.status).toBe(401);
    expect(f.body.error.code).toBe('unauthorized');
    const r = await api<ErrorBody>('GET', `/api/campaigns/${existingId}`, {
      headers: { authorization: 'Basic abc' },
      as: null,
    });
    expect(r.status).toBe(401);
  });

  it('a role the route does not allow → 403 naming the rule', async () => {
    const r = await api<ErrorBody>('POST', '/api/campaigns', { as: 'user', body: { name: 'nope' } });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/user/);
    expect(r.body.error.details).toMatchObject({ rule: 'campaign.create' });
    expect((await api('DELETE', `/api/campaigns/${existingId}`, { as: 'user' })).status).toBe(403);
  });

  it('unknown id → 404; stale version → 409; bad If-Match → 400', async () => {
    expect((await api('GET', '/api/campaigns/01ZZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect(
      (await api('PATCH', '/api/campaigns/01ZZZZZZZZZZZZZZZZZZZZZZZZ', { body: { name: 'x' } })).status,
    ).toBe(404);
    const stale = await api<ErrorBody>('PATCH', `/api/campaigns/${existingId}`, {
      body: { name: 'renamed' },
      headers: { 'if-match': '99' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conflict');
    const bad = await api<ErrorBody>('DELETE', `/api/campaigns/${existingId}`, {
      headers: { 'if-match': 'abc' },
    });
    expect(bad.status).toBe(400);
  });

  it('bad list parameters → 400', async () => {
    expect((await api('GET', '/api/campaigns?limit=0')).status).toBe(400);
    expect((await api('GET', '/api/campaigns?limit=1000')).status).toBe(400);
    expect((await api('GET', '/api/campaigns?cursor=garbage')).status).toBe(400);
    expect((await api('GET', '/api/campaigns?state=NOT%20A%20STATE')).status).toBe(400);
  });
});
