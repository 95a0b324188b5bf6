import * as z from 'zod';
import type { ServiceDefinition } from './types.ts';

const ALL_ROLES = ['user', 'admin', 'service'] as const;
const OPERATORS = ['admin', 'service'] as const;

const name = z.string().trim().min(1).max(200);

/** Entity `state`: free-form lower-case word (active, inactive, archived, …). */
export const stateSchema = z
  .string()
  .regex(/^[a-z][a-z_]{0,31}$/, 'must be a lower-case word (a-z, _), at most 32 chars');

export const campaign: ServiceDefinition = {
  name: 'campaign',
  description: 'Campaign management: campaigns, leaderboards and live broadcast state.',
  entity: 'campaign',
  collection: 'campaigns',
  table: 'service_campaign_main',
  category: 'campaign',
  namespace: 'campaign',
  fields: z.strictObject({
    name,
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')
      .optional(),
    description: z.string().max(4000).optional(),
    state: stateSchema.optional(),
  }),
  access: {
    create: OPERATORS,
    read: ALL_ROLES,
    list: ALL_ROLES,
    update: OPERATORS,
    delete: OPERATORS,
  },
  verbs: [],
  capabilities: ['campaign management', 'analytics', 'leaderboards', 'live broadcast'],
  dependencies: ['user', 'notification'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};

export const user: ServiceDefinition = {
  name: 'user',
  description: 'User management: accounts, profiles and roles.',
  entity: 'user',
  collection: 'users',
  table: 'service_user_master',
  category: 'user',
  namespace: 'user',
  fields: z.strictObject({
    email: z.email().max(254),
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores'),
    display_name: z.string().trim().min(1).max(200).optional(),
    state: stateSchema.optional(),
  }),
  access: {
    create: OPERATORS,
    read: ALL_ROLES,
    list: OPERATORS,
    update: ALL_ROLES,
    delete: OPERATORS,
  },
  verbs: [{ name: 'reactivate', emits: 'user.reactivated', roles: OPERATORS, setState: 'active' }],
  capabilities: ['user management', 'profile', 'rbac'],
  dependencies: ['security'],
  integrationPoints: ['notification', 'nexus'],
  emits: [],
  consumes: [],
};
