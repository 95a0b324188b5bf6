/**
 * The localization service's contract (SDK-free), as the entity stores and the registry read
 * it: translation jobs, the translation providers configuration may name, what it needs (every
 * entity store, the translation provider, the pricing rules) and consumes. Its prices route and
 * schemas are in ./contract-routes.ts, apart: the entity stores bundle this declaration.
 */
import * as z from 'zod/mini';
import { access, idField, stateField } from '../registry/fields.ts';
import { ALL, OPS, type ServiceDefinition } from '../registry/types.ts';

/** The translation providers configuration may name (`TRANSLATION_PROVIDER`, CDK context `translationProvider`). */
export type ProviderName = 'aws' | 'offline';
export const PROVIDER_NAMES: readonly ProviderName[] = ['aws', 'offline'];

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
    entity_id: z.optional(idField),
    state: stateField,
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
