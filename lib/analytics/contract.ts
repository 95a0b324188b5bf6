/**
 * The analytics service's contract (SDK-free), as the entity stores and the registry read it:
 * its events collection, the daily counters it needs, every event it consumes. Its summary route
 * and schemas are in ./contract-routes.ts, apart: the entity stores bundle this declaration.
 */
import * as z from 'zod/mini';
import { jsonObject } from '../limits/index.ts';
import { access, idField, stateField } from '../registry/fields.ts';
import { ALL, OPS, type ServiceDefinition } from '../registry/types.ts';

export const analytics: ServiceDefinition = {
  name: 'analytics',
  description: 'Events, usage and reporting.',
  entity: 'analytics_event',
  collection: 'analytics/events',
  table: 'service_analytics_event',
  category: 'analytics',
  fields: z.strictObject({
    name: z.string().check(z.regex(/^[a-z][a-z0-9_.]{0,127}$/, 'must be a dotted lower-case event name')),
    user_id: z.optional(idField),
    // Free-form, stored in the entity row: the stores' limits (numbers, depth, Unicode) apply.
    properties: z.optional(jsonObject()),
    occurred_at: z.optional(z.iso.datetime({ offset: true })),
    state: stateField,
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
