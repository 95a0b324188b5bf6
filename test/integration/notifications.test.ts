/**
 * Notifications end to end: a campaign with feature `waitlist` notifies the users on its
 * waitlist (once each, even across updates); a referral notifies its referrer. Each user
 * lists their own at /api/notifications.
 */
import { describe, expect, it } from 'vitest';
import { api, eventually } from './support/client.ts';
import { tokenFor } from './support/tokens.ts';

interface Notification {
  id: string;
  user_id: string;
  owner_id: string;
  title: string;
  channel: string;
  metadata?: { tags?: string[] };
}

const rand = () => Math.random().toString(36).slice(2, 10);
const listAs = async (user: string) =>
  api<{ items: Notification[] }>('GET', '/api/notifications?limit=100', {
    token: await tokenFor(user, 'user'),
  });
const waitFor = (user: string, n: number) =>
  eventually(
    async () => {
      const r = await listAs(user);
      return r.status === 200 && r.body.items.length >= n ? r.body.items : undefined;
    },
    30_000,
    `${n} notification(s) for ${user}`,
  );

describe('notifications', () => {
  it('a waitlist campaign notifies each waitlisted user once, also across updates', async () => {
    const r = rand();
    const [u1, u2, u3] = [`wl-${r}-1`, `wl-${r}-2`, `wl-${r}-3`];
    const c = await api<{ id: string }>('POST', '/api/campaigns', {
      body: {
        name: `Launch ${r}`,
        metadata: { features: ['waitlist'], custom_rules: { waitlist: [u1, u2] } },
      },
    });
    expect(c.status, c.text).toBe(201);

    const mine = await waitFor(u1, 1);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      user_id: u1,
      owner_id: u1,
      channel: 'in_app',
      title: `You're on the waitlist for Launch ${r}`,
    });
    expect((await waitFor(u2, 1))[0]?.user_id).toBe(u2);

    // Another user's notification is not theirs to read.
    const other = await api('GET', `/api/notifications/${mine[0]?.id}`, {
      token: await tokenFor(u2, 'user'),
    });
    expect(other.status).toBe(403);

    // An update adding u3: u3 is notified, u1 and u2 are not notified again.
    const up = await api('PATCH', `/api/campaigns/${c.body.id}`, {
      body: { metadata: { custom_rules: { waitlist: [u1, u2, u3] } } },
    });
    expect(up.status, up.text).toBe(200);
    expect((await waitFor(u3, 1))[0]?.title).toBe(`You're on the waitlist for Launch ${r}`);
    // Barrier: a later update (adding u4) that the same consumer handles; once u4 is
    // notified, the update that added u3 has been handled in full, and u1/u2 got nothing new.
    const u4 = `wl-${r}-5`;
    const later = await api('PATCH', `/api/campaigns/${c.body.id}`, {
      body: { metadata: { custom_rules: { waitlist: [u1, u2, u3, u4] } } },
    });
    expect(later.status, later.text).toBe(200);
    await waitFor(u4, 1);
    expect((await listAs(u1)).body.items).toHaveLength(1);
    expect((await listAs(u2)).body.items).toHaveLength(1);
    expect((await listAs(u3)).body.items).toHaveLength(1);

    // Operators list them by rule tag.
    const all = await api<{ items: Notification[] }>('GET', '/api/notifications?tag=waitlist&limit=100');
    const forUs = all.body.items.filter((n) => [u1, u2, u3, u4].includes(n.user_id));
    expect(forUs.map((n) => n.user_id).sort()).toEqual([u1, u2, u3, u4]);

    // Without the feature: nobody.
    const plain = await api('POST', '/api/campaigns', {
      body: { name: `Plain ${r}`, metadata: { custom_rules: { waitlist: [`wl-${r}-4`] } } },
    });
    expect(plain.status).toBe(201);
    // Barrier: a later waitlist campaign the same consumer handles; once its user is
    // notified, the plain campaign's event has been handled too, and notified nobody.
    const marker = await api('POST', '/api/campaigns', {
      body: {
        name: `Marker ${r}`,
        metadata: { features: ['waitlist'], custom_rules: { waitlist: [`wl-${r}-6`] } },
      },
    });
    expect(marker.status, marker.text).toBe(201);
    await waitFor(`wl-${r}-6`, 1);
    expect((await listAs(`wl-${r}-4`)).body.items).toEqual([]);
  });

  it('a referral notifies its referrer', async () => {
    const referrer = `ref-${rand()}`;
    const code = `CODE-${rand()}`;
    const ref = await api('POST', '/api/referrals', {
      body: { referrer_id: referrer, code, metadata: { features: ['referral'] } },
    });
    expect(ref.status, ref.text).toBe(201);
    const items = await waitFor(referrer, 1);
    expect(items.map((n) => n.title)).toEqual([`Your referral code ${code} was used`]);
  });
});
