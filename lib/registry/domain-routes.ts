/**
 * The HTTP routes a domain service serves besides its collection (CRUD, list, verbs, health:
 * derived in lib/registry/index.ts), by service. lib/registry/domain.ts joins them to the
 * services' declarations.
 *
 * They are kept apart from lib/registry/services.ts so that the entity stores (which need a
 * service's table, fields, access and verbs, never its routes) do not pull these routes' query
 * and response schemas into every Lambda that writes to other services' entities: the
 * scheduler, localization and notification functions.
 */
import * as z from 'zod/mini';
import {
  analyticsSummarySchema,
  auditRecordSchema,
  pageOf,
  policyMatrixSchema,
  policyRowSchema,
} from './responses.ts';
import { policyKeySchema, policyListQuerySchema, policySchema } from './schemas.ts';
import { auditQuerySchema, priceQuerySchema, priceSchema, summaryQuerySchema } from './schemas-reads.ts';
import { analytics, localization, security } from './services.ts';
import { ADMIN, ALL, OPS, type RouteDefinition } from './types.ts';

const auditIdParamsSchema = z.object({ id: z.string().check(z.minLength(1), z.maxLength(128)) });

/** Extra routes per domain service name (a service without an entry has only its derived ones). */
export const DOMAIN_ROUTES: Readonly<Record<string, readonly RouteDefinition[]>> = {
  [security.name]: [
    {
      method: 'GET',
      path: '/api/security/audits',
      summary: 'The audit trail: every event, by entity or by type (cursor pagination).',
      rule: 'security.audits.read',
      roles: OPS,
      query: auditQuerySchema,
      response: pageOf(auditRecordSchema),
    },
    {
      method: 'GET',
      path: '/api/security/audits/{id}',
      summary: 'One audit record (an event envelope id).',
      rule: 'security.audits.read',
      roles: OPS,
      params: auditIdParamsSchema,
      response: auditRecordSchema,
    },
    {
      method: 'GET',
      path: '/api/policies',
      summary: 'The policy matrix of an environment (default: this stack’s) and the defaults.',
      rule: 'security.policies.read',
      roles: ADMIN,
      query: policyListQuerySchema,
      response: policyMatrixSchema,
    },
    {
      method: 'PUT',
      path: '/api/policies/{role}/{environment}/{category}',
      summary: 'Set one row of the policy matrix.',
      rule: 'security.policies.write',
      roles: ADMIN,
      params: policyKeySchema,
      body: policySchema,
      response: policyRowSchema,
      example: { retention: 'P90D', access: 'self+admin', validation: 'strict', exposure: 'summary' },
    },
    {
      method: 'DELETE',
      path: '/api/policies/{role}/{environment}/{category}',
      summary: 'Remove one row of the policy matrix (the default applies again).',
      rule: 'security.policies.write',
      roles: ADMIN,
      params: policyKeySchema,
      status: 204,
    },
  ],
  [localization.name]: [
    {
      method: 'GET',
      path: '/api/localization/prices',
      summary:
        'The effective price of a sku in a currency for a country (country rule, else region, else global).',
      rule: 'localization.prices',
      roles: ALL,
      query: priceQuerySchema,
      response: priceSchema,
    },
  ],
  [analytics.name]: [
    {
      method: 'GET',
      path: '/api/analytics/summary',
      summary: 'Daily counters over a range of days (from, to; default the last 7).',
      rule: 'analytics.summary',
      roles: OPS,
      query: summaryQuerySchema(),
      response: analyticsSummarySchema,
    },
  ],
};
