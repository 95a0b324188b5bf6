/** The canonical metadata layer shared by every Tempora service. */
export { canonicalJson, idempotencyKey } from './canonical.ts';
export { appendAudit, deepMerge, MAX_AUDIT_HISTORY, mergeMetadata } from './merge.ts';
export {
  type CampaignNamespace,
  type CommerceNamespace,
  type ContentNamespace,
  campaignNamespace,
  commerceNamespace,
  contentNamespace,
  knownNamespaces,
  type LocalizationNamespace,
  localizationNamespace,
  registerNamespace,
  SERVICE_NAMESPACES,
  type ServiceNamespace,
  type UserNamespace,
  userNamespace,
} from './namespaces.ts';
export {
  CANONICAL_FIELDS,
  DEFAULT_FREQUENCY_HZ,
  MAX_FREQUENCY_HZ,
  MAX_METADATA_BYTES,
  type Metadata,
  metadataSize,
  type ParseMetadataOptions,
  parseMetadata,
  type ValidationMode,
} from './schema.ts';
