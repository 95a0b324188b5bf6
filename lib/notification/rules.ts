/**
 * Notification rules, keyed by metadata `features`: a rule applies to an event of one of
 * its types whose entity has the rule's feature, and names the users to notify (pure).
 *
 * - `waitlist` (campaign.created, campaign.updated): every user id in the campaign's
 *   `custom_rules.waitlist` gets "You're on the waitlist for <campaign>", once per
 *   (campaign, user): users added by a later update are notified then, nobody twice.
 * - `referral` (referral.created): the referral's `referrer_id` learns that their code was
 *   used (not when they created the referral themselves); (user.created) the user named by
 *   the new user's `custom_rules.referred_by` learns that they joined. Once per referral / user.
 *
 * Each notification's id is derived from its dedupe key, so a redelivered event, a retry or
 * a second matching event never creates it twice (the create conflicts and is skipped).
 * To add a rule: append it to RULES and its event types to the notification service's
 * `consumes` in lib/registry/services.ts (a unit test checks they agree).
 */
import { createHash } from 'node:crypto';
import type { EventEnvelope } from '../events/envelope.ts';

/** Recipients per event and rule, at most (the rest are ignored and logged). */
export const MAX_RECIPIENTS = 50;
const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

export interface NotificationDraft {
  rule: string;
  user_id: string;
  title: string;
  body: string;
  /** Same key, same notification: the notification's id is derived from it. */
  dedupe_key: string;
}

export interface NotificationRule {
  name: string;
  /** The metadata feature that switches the rule on for an entity. */
  feature: string;
  on: readonly string[];
  notify(e: EventEnvelope): NotificationDraft[];
}

const fieldsOf = (e: EventEnvelope): Record<string, unknown> =>
  (e.payload?.fields ?? {}) as Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const userIds = (v: unknown): string[] =>
  Array.isArray(v)
    ? [...new Set(v.filter((u): u is string => typeof u === 'string' && USER_ID.test(u)))].slice(
        0,
        MAX_RECIPIENTS,
      )
    : [];
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export const waitlistRule: NotificationRule = {
  name: 'waitlist',
  feature: 'waitlist',
  on: ['campaign.created', 'campaign.updated'],
  notify(e) {
    const name = str(fieldsOf(e).name) ?? e.entity.id;
    const start = str(e.metadata?.scheduling?.start_time);
    return userIds(e.metadata?.custom_rules?.waitlist).map((user) => ({
      rule: 'waitlist',
      user_id: user,
      title: clip(`You're on the waitlist for ${name}`, 200),
      body: start ? `${name} opens at ${start}.` : `We will let you know when ${name} opens.`,
      dedupe_key: `waitlist:${e.entity.type}:${e.entity.id}:${user}`,
    }));
  },
};

export const referralRule: NotificationRule = {
  name: 'referral',
  feature: 'referral',
  on: ['referral.created', 'user.created'],
  notify(e) {
    const f = fieldsOf(e);
    if (e.type === 'referral.created') {
      const referrer = str(f.referrer_id);
      if (!referrer || !USER_ID.test(referrer) || referrer === e.actor.id) return [];
      const code = str(f.code) ?? e.entity.id;
      return [
        {
          rule: 'referral',
          user_id: referrer,
          title: clip(`Your referral code ${code} was used`, 200),
          body: 'Someone signed up with your referral code.',
          dedupe_key: `referral:referral:${e.entity.id}`,
        },
      ];
    }
    const referrer = str(e.metadata?.custom_rules?.referred_by);
    if (!referrer || !USER_ID.test(referrer) || referrer === e.entity.id) return [];
    const who = str(f.display_name) ?? str(f.username) ?? 'A new user';
    return [
      {
        rule: 'referral',
        user_id: referrer,
        title: clip(`${who} joined through your referral`, 200),
        body: 'Thanks for spreading the word.',
        dedupe_key: `referral:user:${e.entity.id}`,
      },
    ];
  },
};

export const RULES: readonly NotificationRule[] = [waitlistRule, referralRule];

/** The notifications an event yields under `rules`. */
export function notificationsFor(
  e: EventEnvelope,
  rules: readonly NotificationRule[] = RULES,
): NotificationDraft[] {
  const features = new Set(e.metadata?.features ?? []);
  return rules.filter((r) => r.on.includes(e.type) && features.has(r.feature)).flatMap((r) => r.notify(e));
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A stable 26-character id (Crockford base32 of SHA-256) for a dedupe key. */
export function notificationId(dedupeKey: string): string {
  const bytes = createHash('sha256').update(dedupeKey).digest();
  let out = '';
  for (let i = 0; i < 26; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const value = (((bytes[byte] ?? 0) << 8) | (bytes[byte + 1] ?? 0)) >> (11 - (bit & 7));
    out += CROCKFORD[value & 31];
  }
  return out;
}
