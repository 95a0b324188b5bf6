/** The policy matrix's row and key schemas: declared once in the registry (lib/registry/schemas.ts). */
export { policyKeySchema, policySchema, retentionSchema } from '../registry/schemas.ts';
