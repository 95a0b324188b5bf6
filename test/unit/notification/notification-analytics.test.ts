import { describe, expect, it } from 'vitest';
import {
  counterKeys,
  dayOf,
  daySummary,
  daysBetween,
  MAX_RANGE_DAYS,
  markerKey,
  summarize,
} from '../../../lib/analytics/counters.ts';
import { summaryQuerySchema } from '../../../lib/analytics/routes.ts';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';
import { conflict } from '../../../lib/errors.ts';
import { buildEnvelope, type EventEnvelope } from '../../../lib/events/envelope.ts';
import {
  MAX_RECIPIENTS,
  notificationId,
  notificationsFor,
  RULES,
  referralRule,
  waitlistRule,
} from '../../../lib/notification/rules.ts';
import { NOTIFICATION_ACTOR, NotificationService } from '../../../lib/notification/service.ts';
import { getService } from '../../../lib/registry/index.ts';
import type { EntityStore } from '../../../lib/store/entity-store.ts';

const ev = (
  type: string,
  entity: { type: string; id: string },
  fields: Record<string, unknown>,
  metadata: Metadata,
  actor = 'admin-1',
): EventEnvelope =>
  buildEnvelope({
    type,
    service: entity.type,
    environment: 'test',
    correlationId: 'corr-12345678',
    actor: { id: actor, role: 'admin' },
    entity: { ...entity, version: 1 },
    metadata,
    payload: { fields, state: 'active' },
    occurredAt: '2026-03-04T23:59:59.000Z',
  });

const campaign = (metadata: Metadata, type = 'campaign.created') =>
  ev(type, { type: 'campaign', id: 'C1' }, { name: 'Launch' }, metadata);

describe('notification rules', () => {
  it('waitlist: each listed user once per campaign, only when the campaign has the feature', () => {
    const m: Metadata = {
      features: ['waitlist'],
      custom_rules: { waitlist: ['u1', 'u2', 'u1', 'not valid!', 7] },
      scheduling: { start_time: '2026-04-01T00:00:00Z' },
    };
    const drafts = notificationsFor(campaign(m));
    expect(drafts.map((d) => [d.rule, d.user_id, d.title, d.dedupe_key])).toEqual([
      ['waitlist', 'u1', "You're on the waitlist for Launch", 'waitlist:campaign:C1:u1'],
      ['waitlist', 'u2', "You're on the waitlist for Launch", 'waitlist:campaign:C1:u2'],
    ]);
    expect(drafts[0]?.body).toContain('2026-04-01T00:00:00Z');
    // The same users on an update: same keys (hence the same notification ids).
    expect(notificationsFor(campaign(m, 'campaign.updated')).map((d) => d.dedupe_key)).toEqual(
      drafts.map((d) => d.dedupe_key),
    );
    expect(notificationsFor(campaign({ custom_rules: { waitlist: ['u1'] } }))).toEqual([]);
    expect(notificationsFor(campaign(m, 'campaign.deleted'))).toEqual([]);
  });

  it(`waitlist: at most ${MAX_RECIPIENTS} recipients per event`, () => {
    const many = Array.from({ length: 80 }, (_, i) => `u${i}`);
    expect(
      notificationsFor(campaign({ features: ['waitlist'], custom_rules: { waitlist: many } })),
    ).toHaveLength(MAX_RECIPIENTS);
  });

  it('referral: the referrer of a new referral (not when self-made) and of a new user', () => {
    const r = (actor: string) =>
      ev(
        'referral.created',
        { type: 'referral', id: 'R1' },
        { referrer_id: 'u9', code: 'ABC' },
        { features: ['referral'] },
        actor,
      );
    expect(notificationsFor(r('someone')).map((d) => [d.user_id, d.title])).toEqual([
      ['u9', 'Your referral code ABC was used'],
    ]);
    expect(notificationsFor(r('u9'))).toEqual([]);
    const user = ev(
      'user.created',
      { type: 'user', id: 'U2' },
      { username: 'newbie' },
      { features: ['referral'], custom_rules: { referred_by: 'u9' } },
    );
    expect(notificationsFor(user).map((d) => [d.user_id, d.title, d.dedupe_key])).toEqual([
      ['u9', 'newbie joined through your referral', 'referral:user:U2'],
    ]);
  });

  it('the notification service consumes exactly the rules’ event types', () => {
    expect([...getService('notification').consumes].sort()).toEqual(
      [...new Set(RULES.flatMap((r) => r.on))].sort(),
    );
    expect(RULES.map((r) => r.feature)).toEqual([waitlistRule.feature, referralRule.feature]);
  });

  it('ids are stable per dedupe key, 26 Crockford characters', () => {
    expect(notificationId('k')).toBe(notificationId('k'));
    expect(notificationId('k')).not.toBe(notificationId('k2'));
    expect(notificationId('waitlist:campaign:C1:u1')).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('NotificationService', () => {
  it('creates each notification as the system, owned by the user, and skips existing ones', async () => {
    const created = new Map<string, unknown>();
    const calls: Array<{
      body: Record<string, unknown>;
      ctx: unknown;
      opts: { id: string; ownerId: string };
    }> = [];
    const store = {
      create: async (body: Record<string, unknown>, ctx: unknown, opts: { id: string; ownerId: string }) => {
        calls.push({ body, ctx, opts });
        if (created.has(opts.id)) throw conflict('exists');
        created.set(opts.id, body);
        return {};
      },
    } as unknown as EntityStore;
    const svc = new NotificationService(store);
    const e = campaign({ features: ['waitlist'], custom_rules: { waitlist: ['u1', 'u2'] } });
    expect(await svc.onEvent(e)).toEqual({ created: 2, existing: 0 });
    expect(await svc.onEvent(e)).toEqual({ created: 0, existing: 2 });
    expect(calls[0]).toMatchObject({
      body: { user_id: 'u1', channel: 'in_app', metadata: { tags: ['waitlist'] } },
      ctx: { actor: NOTIFICATION_ACTOR, system: true },
      opts: { id: notificationId('waitlist:campaign:C1:u1'), ownerId: 'u1' },
    });
    expect(await svc.onEvent({ ...e, source: 'tempora.notification' })).toEqual({ created: 0, existing: 0 });
  });
});

describe('analytics counters', () => {
  it('an event counts once per day: total, its type, each tag and feature', () => {
    const e = campaign({ tags: ['a', 'a', 'b'], features: ['waitlist'] });
    expect(dayOf(e.occurred_at)).toBe('2026-03-04');
    expect(counterKeys(e).map((k) => `${k.pk} ${k.sk}`)).toEqual([
      'day#2026-03-04 total',
      'day#2026-03-04 type#campaign.created',
      'day#2026-03-04 tag#a',
      'day#2026-03-04 tag#b',
      'day#2026-03-04 feature#waitlist',
    ]);
    expect(markerKey(e.id)).toEqual({ pk: `event#${e.id}`, sk: 'seen' });
    expect(dayOf('2026-03-04T23:30:00-02:00')).toBe('2026-03-05');
  });

  it('summarizes counter rows per day and in total', () => {
    const d1 = daySummary('2026-01-01', [
      { sk: 'total', count: 3 },
      { sk: 'type#a.created', count: 2 },
      { sk: 'type#b.updated', count: 1 },
      { sk: 'tag#x', count: 2 },
    ]);
    const d2 = daySummary('2026-01-02', [
      { sk: 'total', count: 1 },
      { sk: 'type#a.created', count: 1 },
      { sk: 'feature#waitlist', count: 1 },
    ]);
    expect(summarize('2026-01-01', '2026-01-02', [d1, d2]).totals).toEqual({
      events: 4,
      types: { 'a.created': 3, 'b.updated': 1 },
      tags: { x: 2 },
      features: { waitlist: 1 },
    });
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });

  it(`summary range: dates, from ≤ to, at most ${MAX_RANGE_DAYS} days; default the last 7 days`, () => {
    const schema = summaryQuerySchema(() => '2026-03-10');
    expect(schema.parse({})).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    expect(schema.parse({ from: '2026-01-01', to: '2026-04-02' })).toEqual({
      from: '2026-01-01',
      to: '2026-04-02',
    });
    for (const q of [
      { from: '2026-01-01', to: '2026-04-03' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: 'yesterday' },
      { to: '2026-02-30' },
    ])
      expect(schema.safeParse(q).success, JSON.stringify(q)).toBe(false);
  });
});
