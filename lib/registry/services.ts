/**
 * The domain services that have no code of their own (seed 001's service table): their
 * collection, served by the Lambda kit's entity service, is all they are, so their declaration
 * is their contract. A service with code of its own declares itself in lib/<service>/contract.ts
 * (security, commerce, localization, analytics, notification); lib/registry/declared.ts lists
 * them all. Capabilities, dependencies and integration points come from seed 001's table;
 * `fields` is each entity's own schema (metadata and system fields are common to all).
 */
import * as z from 'zod/mini';
import { access, idField, stateField, text } from './fields.ts';
import { ADMIN, ALL, OPS, type ServiceDefinition } from './types.ts';

export { stateSchema } from './fields.ts';

const id = idField;
const state = stateField;

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
