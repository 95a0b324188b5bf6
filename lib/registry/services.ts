/**
 * The thirteen domain services of the platform (seed 001's service table): one entry each.
 * Capabilities, dependencies and integration points come from that table; `fields` is each
 * entity's own schema (metadata and system fields are common to all). A service's HTTP routes
 * besides its collection are declared in lib/registry/domain-routes.ts, apart from these: the
 * entity stores read these declarations and must not bundle those routes' schemas.
 */
import * as z from 'zod/mini';
import { countrySchema, currencySchema, pricedBySchema, skuSchema } from '../entity-metadata/pricing.ts';
import { jsonObject } from '../limits/index.ts';
import { ADMIN, ALL, type CrudOperation, OPS, type Role, type ServiceDefinition } from './types.ts';

/** Role access per CRUD operation: reads by `read`, writes by `write` (policy access applies on top). */
const access = (
  read: readonly Role[],
  write: readonly Role[],
  create = write,
): Record<CrudOperation, readonly Role[]> => ({
  create,
  read,
  list: read,
  update: write,
  delete: write,
});

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const id = z.string().check(z.minLength(1), z.maxLength(128));

/** Entity `state`: free-form lower-case word (active, inactive, archived, …). */
export const stateSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word (a-z, _), at most 32 chars'));

const state = z.optional(stateSchema);

export const user: ServiceDefinition = {
  name: 'user',
  description: 'User management: accounts, profiles and roles.',
  entity: 'user',
  collection: 'users',
  table: 'service_user_master',
  category: 'user',
  namespace: 'user',
  selfOwned: true,
  searchFields: ['username', 'display_name'],
  fields: z.strictObject({
    email: z.email().check(z.maxLength(254)),
    username: z
      .string()
      .check(z.regex(/^[A-Za-z0-9_.-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores')),
    display_name: z.optional(text(200)),
    state,
  }),
  access: { create: OPS, read: ALL, list: OPS, update: ALL, delete: OPS },
  verbs: [
    {
      name: 'reactivate',
      emits: 'user.reactivated',
      roles: OPS,
      setState: 'active',
      rescheduleRetention: true,
    },
  ],
  capabilities: ['user management', 'profile', 'rbac'],
  dependencies: ['security'],
  integrationPoints: ['notification', 'nexus'],
  emits: [],
  consumes: [],
};

export const notification: ServiceDefinition = {
  name: 'notification',
  description: 'Multi-channel notifications, templates, real-time delivery.',
  entity: 'notification',
  collection: 'notifications',
  table: 'service_notification_main',
  category: 'notification',
  fields: z.strictObject({
    user_id: id,
    channel: z.enum(['email', 'sms', 'push', 'in_app']),
    title: text(200),
    body: z.optional(z.string().check(z.maxLength(4000))),
    read: z.optional(z.boolean()),
    state,
  }),
  access: access(ALL, OPS),
  verbs: [],
  capabilities: ['multi-channel', 'templates', 'real-time', 'streaming'],
  dependencies: ['user'],
  integrationPoints: ['nexus'],
  emits: [],
  // The triggers of the feature rules in lib/notification/rules.ts (a unit test keeps them in step).
  consumes: ['campaign.created', 'campaign.updated', 'referral.created', 'user.created'],
};

export const campaign: ServiceDefinition = {
  name: 'campaign',
  description: 'Campaign management: campaigns, leaderboards and live broadcast state.',
  entity: 'campaign',
  collection: 'campaigns',
  table: 'service_campaign_main',
  category: 'campaign',
  namespace: 'campaign',
  searchFields: ['name', 'slug'],
  fields: z.strictObject({
    name: text(200),
    slug: z.optional(
      z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')),
    ),
    description: z.optional(z.string().check(z.maxLength(4000))),
    state,
  }),
  access: access(ALL, OPS),
  archiveAfterEnd: 'P30D',
  verbs: [{ name: 'extend', emits: 'policy_override', roles: OPS }],
  capabilities: ['campaign management', 'analytics', 'leaderboards', 'live broadcast'],
  dependencies: ['user', 'notification'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};

export const referral: ServiceDefinition = {
  name: 'referral',
  description: 'Referrals, rewards and fraud checks.',
  entity: 'referral',
  collection: 'referrals',
  table: 'service_referral_main',
  category: 'referral',
  searchFields: ['code'],
  fields: z.strictObject({
    referrer_id: id,
    code: z
      .string()
      .check(z.regex(/^[A-Za-z0-9_-]{3,64}$/, 'must be 3-64 letters, digits, dashes or underscores')),
    referee_email: z.optional(z.email().check(z.maxLength(254))),
    campaign_id: z.optional(id),
    state,
  }),
  access: access(ALL, ALL),
  verbs: [],
  capabilities: ['referral', 'rewards', 'fraud detection'],
  dependencies: ['user', 'notification'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};

export const security: ServiceDefinition = {
  name: 'security',
  description:
    'Policies, audit and compliance: owns the policy matrix and the immutable audit trail of every event.',
  entity: 'audit',
  collection: 'security/audits',
  table: 'service_security_audit',
  category: 'security',
  // Audit records are written from the bus only; no client creates them.
  fields: z.strictObject({}),
  access: access(OPS, OPS),
  verbs: [],
  crud: false,
  tableIndexes: [
    { name: 'by_entity', partitionKey: 'entity_id', sortKey: 'at_sk' },
    { name: 'by_type', partitionKey: 'type', sortKey: 'at_sk' },
  ],
  needs: ['policies:write'],
  capabilities: ['policies', 'audit', 'compliance'],
  dependencies: [], // every other domain service: derived in lib/registry/domain.ts
  integrationPoints: ['nexus'],
  emits: [],
  consumes: ['*'],
};

export const content: ServiceDefinition = {
  name: 'content',
  description: 'Articles, micro-posts, video, comments, reactions and full-text search feeds.',
  entity: 'content',
  collection: 'content',
  table: 'service_content_main',
  category: 'content',
  namespace: 'content',
  searchFields: ['title'],
  fields: z.strictObject({
    title: text(300),
    kind: z.enum(['article', 'micro_post', 'video', 'comment', 'reaction']),
    body: z.optional(z.string().check(z.maxLength(20_000))),
    parent_id: z.optional(id),
    state,
  }),
  access: access(ALL, ALL),
  verbs: [],
  capabilities: ['articles', 'micro-posts', 'video', 'comments', 'reactions', 'full-text search'],
  dependencies: ['user', 'notification', 'search', 'moderation'],
  integrationPoints: ['nexus', 'analytics'],
  emits: [],
  consumes: [],
};

export const commerce: ServiceDefinition = {
  name: 'commerce',
  description: 'Orders, payments and billing.',
  entity: 'order',
  collection: 'orders',
  table: 'service_commerce_order',
  category: 'commerce',
  namespace: 'commerce',
  fields: z.strictObject({
    customer_id: id,
    currency: currencySchema,
    /** The buyer's country: items without `unit_price` are priced for it (lib/commerce/pricing.ts). */
    country: z.optional(countrySchema),
    items: z
      .array(
        z.strictObject({
          sku: skuSchema,
          quantity: z.number().check(z.int(), z.positive(), z.lte(10_000)),
          /** Omitted: the resolved location-based price (GET /api/localization/prices). */
          unit_price: z.optional(z.number().check(z.nonnegative())),
          /** Set by the service when it priced the item (read-only for clients). */
          priced_by: z.optional(pricedBySchema),
        }),
      )
      .check(z.minLength(1), z.maxLength(100)),
    state,
  }),
  access: access(ALL, ALL),
  verbs: [],
  needs: ['pricing-rules'],
  capabilities: ['orders', 'payments', 'billing', 'location-based pricing'],
  dependencies: ['user'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};

export const localization: ServiceDefinition = {
  name: 'localization',
  description: 'i18n and translation jobs.',
  entity: 'localization_job',
  collection: 'localization/jobs',
  table: 'service_localization_job',
  category: 'localization',
  namespace: 'localization',
  fields: z.strictObject({
    source_locale: z.string().check(z.minLength(2), z.maxLength(35)),
    target_locales: z
      .array(z.string().check(z.minLength(2), z.maxLength(35)))
      .check(z.minLength(1), z.maxLength(50)),
    entity_type: z.optional(z.string().check(z.maxLength(64))),
    entity_id: z.optional(id),
    state,
  }),
  access: access(ALL, OPS),
  verbs: [],
  capabilities: ['i18n', 'translation', 'location-based pricing'],
  dependencies: [],
  integrationPoints: ['user', 'content', 'commerce'],
  needs: ['entities:write', 'translation', 'pricing-rules'],
  emits: ['localization.translated'],
  // Every entity's created/updated (any entity may carry service_specific.localization.scripts):
  // derived in lib/registry/domain.ts.
  consumes: [],
};

export const search: ServiceDefinition = {
  name: 'search',
  description: 'Full-text, fuzzy and entity search; saved searches.',
  entity: 'saved_search',
  collection: 'search',
  table: 'service_search_query',
  category: 'search',
  fields: z.strictObject({
    q: text(256),
    entity_types: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(20))),
    state,
  }),
  access: access(ALL, ALL),
  verbs: [],
  capabilities: ['full-text', 'fuzzy', 'entity search'],
  dependencies: ['content', 'user'],
  integrationPoints: ['nexus'],
  // `GET /api/search` (with `q` a search, lib/search) and what the index consumes (every change of
  // each entity with `searchFields`) are derived in lib/registry/domain.ts.
  needs: ['search-index'],
  emits: [],
  consumes: [],
};

export const admin: ServiceDefinition = {
  name: 'admin',
  description: 'Admin user management, roles and audit.',
  entity: 'admin_user',
  collection: 'admin/users',
  table: 'service_admin_user',
  category: 'orchestration',
  fields: z.strictObject({
    user_id: id,
    roles: z.array(z.string().check(z.regex(/^[a-z][a-z_]{0,31}$/))).check(z.minLength(1), z.maxLength(20)),
    state,
  }),
  access: access(ADMIN, ADMIN),
  verbs: [],
  capabilities: ['admin user management', 'roles', 'audit'],
  dependencies: ['user'],
  integrationPoints: ['security', 'nexus'],
  emits: [],
  consumes: [],
};

export const analytics: ServiceDefinition = {
  name: 'analytics',
  description: 'Events, usage and reporting.',
  entity: 'analytics_event',
  collection: 'analytics/events',
  table: 'service_analytics_event',
  category: 'analytics',
  fields: z.strictObject({
    name: z.string().check(z.regex(/^[a-z][a-z0-9_.]{0,127}$/, 'must be a dotted lower-case event name')),
    user_id: z.optional(id),
    // Free-form, stored in the entity row: the stores' limits (numbers, depth, Unicode) apply.
    properties: z.optional(jsonObject()),
    occurred_at: z.optional(z.iso.datetime({ offset: true })),
    state,
  }),
  access: access(OPS, OPS, ALL),
  verbs: [],
  capabilities: ['events', 'usage', 'reporting'],
  dependencies: ['user', 'content'],
  integrationPoints: ['nexus'],
  needs: ['analytics-counters'],
  emits: [],
  consumes: ['*'],
};

export const moderation: ServiceDefinition = {
  name: 'moderation',
  description: 'Content moderation cases and compliance.',
  entity: 'moderation_case',
  collection: 'moderation/cases',
  table: 'service_moderation_case',
  category: 'moderation',
  fields: z.strictObject({
    content_id: id,
    reason: text(1000),
    decision: z.optional(z.enum(['pending', 'approved', 'rejected'])),
    state,
  }),
  access: access(ALL, OPS, ALL),
  verbs: [],
  capabilities: ['moderation', 'compliance'],
  dependencies: ['content', 'user'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};

export const talent: ServiceDefinition = {
  name: 'talent',
  description: 'Talent profiles and bookings.',
  entity: 'talent',
  collection: 'talent',
  table: 'service_talent_profile',
  category: 'talent',
  searchFields: ['display_name', 'skills'],
  fields: z.strictObject({
    display_name: text(200),
    skills: z.optional(z.array(text(64)).check(z.maxLength(50))),
    hourly_rate: z.optional(z.number().check(z.nonnegative())),
    state,
  }),
  access: access(ALL, ALL),
  verbs: [],
  capabilities: ['talent profiles', 'bookings'],
  dependencies: ['user'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};
