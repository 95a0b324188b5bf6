/**
 * A realistic create body per entity collection (the OpenAPI examples; the integration suite
 * sends each one to the deployed stack and expects it accepted).
 */
export const CREATE_EXAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  user: { email: 'ada@example.com', username: 'ada.lovelace', display_name: 'Ada Lovelace' },
  notification: {
    user_id: 'usr_01',
    channel: 'email',
    title: 'Your order has shipped',
    body: 'Order 1042 left the warehouse this morning.',
  },
  campaign: {
    name: 'Spring launch',
    slug: 'spring-launch',
    description: 'Early-access campaign for the spring collection.',
    metadata: { tags: ['spring', 'launch'] },
  },
  referral: { referrer_id: 'usr_01', code: 'ADA-2026', referee_email: 'grace@example.com' },
  content: { title: 'Release notes 1.4', kind: 'article', body: 'What changed in this release.' },
  commerce: {
    customer_id: 'usr_01',
    currency: 'EUR',
    items: [{ sku: 'TSHIRT-M', quantity: 2, unit_price: 19.5 }],
  },
  localization: { source_locale: 'en', target_locales: ['fr', 'de'] },
  search: { q: 'spring launch', entity_types: ['campaign'] },
  admin: { user_id: 'usr_01', roles: ['moderator'] },
  analytics: { name: 'page.viewed', user_id: 'usr_01', properties: { path: '/pricing' } },
  moderation: { content_id: 'cnt_01', reason: 'Spam link in the body' },
  talent: { display_name: 'Grace Hopper', skills: ['cobol', 'compilers'], hourly_rate: 120 },
};

/** A PATCH body every collection accepts. */
export const PATCH_EXAMPLE = { state: 'inactive' };
