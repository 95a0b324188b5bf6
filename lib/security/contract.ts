/**
 * The security service's contract (SDK-free), as the entity stores and the registry read it:
 * the immutable audit trail of every event (its table and indexes) and what it needs. Its
 * routes (the audit trail, the policy matrix) and their schemas are in ./contract-routes.ts,
 * apart: the entity stores bundle this declaration and must not bundle those schemas.
 */
import * as z from 'zod/mini';
import { access } from '../registry/fields.ts';
import { OPS, type ServiceDefinition } from '../registry/types.ts';

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
