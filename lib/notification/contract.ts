/**
 * The notification service's contract (SDK-free), as the entity stores and the registry read
 * it: its collection and the events its feature rules are triggered by (lib/notification/rules.ts;
 * a unit test keeps them in step).
 */
import * as z from 'zod/mini';
import { access, idField, stateField, text } from '../registry/fields.ts';
import { ALL, OPS, type ServiceDefinition } from '../registry/types.ts';

export const notification: ServiceDefinition = {
  name: 'notification',
  description: 'Multi-channel notifications, templates, real-time delivery.',
  entity: 'notification',
  collection: 'notifications',
  table: 'service_notification_main',
  category: 'notification',
  fields: z.strictObject({
    user_id: idField,
    channel: z.enum(['email', 'sms', 'push', 'in_app']),
    title: text(200),
    body: z.optional(z.string().check(z.maxLength(4000))),
    read: z.optional(z.boolean()),
    state: stateField,
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
