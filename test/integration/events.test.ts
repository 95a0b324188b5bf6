/**
 * Each committed write reaches the Nexus bus with the contract envelope
 * (read back through a test rule → SQS queue on the emulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusTap } from './support/bus-tap.ts';
import { api } from './support/client.ts';

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await tap?.close();
});

describe('Nexus events', () => {
  it('campaign create / update / delete each publish one contract envelope, in order', async () => {
    const correlation = `test-${Date.now()}`;
    const c = await api<{ id: string; version: number }>('POST', '/api/campaigns', {
      body: { name: 'evented', metadata: { tags: ['events'] } },
      headers: { 'x-correlation-id': correlation },
    });
    expect(c.status, c.text).toBe(201);
    expect(c.headers.get('x-correlation-id')).toBe(correlation);
    const id = c.body.id;
    expect(
      (await api('PATCH', `/api/campaigns/${id}`, { body: { metadata: { tags: ['changed'] } } })).status,
    ).toBe(200);
    expect((await api('DELETE', `/api/campaigns/${id}`)).status).toBe(204);

    await tap.waitFor(() => tap.eventsFor(id).length >= 3);
    const events = tap
      .eventsFor(id)
      .sort(
        (a, b) =>
          a.envelope.entity.version - b.envelope.entity.version || a.envelope.id.localeCompare(b.envelope.id),
      );
    expect(events.map((e) => e.detailType)).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.deleted',
    ]);
    for (const e of events) {
      expect(e.source).toBe('tempora.campaign');
      expect(e.envelope).toMatchObject({
        type: e.detailType,
        version: '1.0.0',
        source: 'tempora.campaign',
        environment: 'dev',
        actor: { id: 'dev-admin', role: 'admin' },
        entity: { type: 'campaign', id },
      });
    }
    expect(events[0]?.envelope.correlation_id).toBe(correlation);
    expect(events[0]?.envelope.metadata).toMatchObject({ tags: ['events'] });
    expect(events[1]?.envelope.metadata).toMatchObject({ tags: ['changed'] });
    expect(new Set(events.map((e) => e.envelope.id)).size).toBe(3);
  });

  it('user.created and user.reactivated come from the user service', async () => {
    const u = Date.now().toString(36);
    const r = await api<{ id: string }>('POST', '/api/users', {
      body: { email: `${u}@example.com`, username: `ev_${u}`, state: 'inactive' },
    });
    expect(r.status, r.text).toBe(201);
    expect((await api('POST', `/api/users/${r.body.id}/reactivate`)).status).toBe(200);
    const types = () => tap.eventsFor(r.body.id).map((e) => e.detailType);
    await tap.waitFor(() => types().includes('user.reactivated') && types().includes('scheduler.schedule'));
    const own = tap
      .eventsFor(r.body.id)
      .filter((e) => e.detailType.startsWith('user.') && e.source === 'tempora.user');
    expect(
      own
        .map((e) => e.detailType)
        .filter((t) => t !== 'user.updated')
        .sort(),
    ).toEqual(['user.created', 'user.reactivated']);
    // The account's retention intent (the user row's P90D) is published by the user service too;
    // the scheduler's own write of the intent into the metadata is a user.updated by the scheduler.
    const schedule = tap.eventsFor(r.body.id).find((e) => e.detailType === 'scheduler.schedule');
    expect(schedule?.source).toBe('tempora.user');
    expect(schedule?.envelope.payload).toMatchObject({ action: 'delete', pattern: 'retention' });
  });

  it('a refused write publishes nothing', async () => {
    const r = await api('POST', '/api/campaigns', { as: 'user', body: { name: 'refused' } });
    expect(r.status).toBe(403);
    const marker = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: 'marker' } });
    await tap.waitFor(() => tap.eventsFor(marker.body.id).length >= 1);
    await expect(
      tap
        .poll()
        .then((s) =>
          s.filter((e) => (e.envelope.payload as { fields?: { name?: string } })?.fields?.name === 'refused'),
        ),
    ).resolves.toEqual([]);
    await api('DELETE', `/api/campaigns/${marker.body.id}`);
  });
});
