/**
 * The security service's routes and their schemas: the audit trail (by entity or by type) and
 * the policy matrix (read, set a row, remove a row). lib/registry/domain-routes.ts joins them to
 * the declaration (./contract.ts).
 */
import * as z from 'zod/mini';
import { envelopeResponseSchema } from '../nexus/contract.ts';
import { pageOf } from '../registry/responses.ts';
import { policyKeySchema, policyListQuerySchema, policySchema } from '../registry/schemas.ts';
import { ADMIN, OPS, type RouteDefinition } from '../registry/types.ts';

const role = policyKeySchema.shape.role;

const auditTime = z.iso.datetime({ offset: true });

/** `GET /api/security/audits`: by entity or by event type, within [from, to], a page at a time. */
export const auditQuerySchema = z
  .object({
    entity_id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    type: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    from: z.optional(auditTime),
    to: z.optional(auditTime),
    limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(500))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  })
  .check(
    z.refine((q) => q.entity_id !== undefined || q.type !== undefined, {
      message: 'entity_id or type is required (the audit trail is queried by entity or by event type)',
      path: ['entity_id'],
    }),
  );
export type AuditQuery = z.output<typeof auditQuerySchema>;

/** One record of the immutable audit trail (lib/security/audit.ts). */
export const auditRecordSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  entity_id: z.string(),
  entity_type: z.string(),
  occurred_at: z.string(),
  at_sk: z.string(),
  correlation_id: z.string(),
  actor: z.object({ id: z.string(), role }),
  envelope: envelopeResponseSchema,
  recorded_at: z.string(),
});

/** A row of the policy matrix as stored (`id` = `role/environment/category`). */
export const policyRowSchema = z.object({
  id: z.string(),
  ...policyKeySchema.shape,
  ...policySchema.shape,
  updated_at: z.optional(z.string()),
  updated_by: z.optional(z.string()),
});

/** `GET /api/policies`: an environment's rows and the default policy of each role. */
export const policyMatrixSchema = z.object({
  environment: z.string(),
  items: z.array(policyRowSchema),
  defaults: z.object({ user: policySchema, admin: policySchema, service: policySchema }),
});

const auditIdParamsSchema = z.object({ id: z.string().check(z.minLength(1), z.maxLength(128)) });

/** The security service's routes besides its health. */
export const SECURITY_ROUTES: readonly RouteDefinition[] = [
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
];
