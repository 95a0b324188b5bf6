/**
 * Building the record a write stores (pure): create, update (deep merge), replace or skip,
 * metadata validated in the record's mode. The store's bookkeeping attribute `type_name`
 * is added and removed here too.
 */

import { PRICING_RULE_TYPE, pricingRuleIssues } from '../commerce/contract.ts';
import {
  type Metadata,
  mergeMetadata,
  parseMetadata,
  type ValidationMode,
} from '../entity-metadata/index.ts';
import { conflict, validationError } from '../errors.ts';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_SCOPE,
  DEFAULT_STATE,
  DEFAULT_STRATEGY,
  DEFAULT_VALIDATION,
  type MetadataRecord,
  type OnConflict,
  RECORD_FIELDS,
  type RecordKey,
  refOf,
  TYPE_NAME_ATTRIBUTE,
  typeNameOf,
  type WriteInput,
} from './contract.ts';

export type WriteOutcome = 'created' | 'updated' | 'replaced' | 'skipped';

export interface WriteContext {
  /** `sub` of the caller. */
  actor: string;
  /** RFC 3339 time of the write. */
  now: string;
  /** New record id (a ULID). */
  newId: () => string;
}

export interface WriteResult {
  outcome: WriteOutcome;
  /** The record to store (for `skipped`: the existing one, unchanged). */
  record: MetadataRecord;
}

/**
 * Compute the record a write stores.
 *
 * - absent → created (version 1), whatever `onConflict` says;
 * - `update` → metadata deep-merged into the stored one (mergeMetadata), given fields overwrite,
 *   `extends: null` removes the base;
 * - `replace` → the record is rebuilt from the input alone (defaults for absent fields), keeping
 *   only `id`, `created_by` and `created_at`;
 * - `skip` → the existing record unchanged;
 * - `error` → 409.
 *
 * The resulting metadata is validated in the resulting record's mode (400/413).
 */
export function applyWrite(
  existing: MetadataRecord | undefined,
  key: RecordKey,
  input: WriteInput,
  onConflict: OnConflict,
  ctx: WriteContext,
): WriteResult {
  if (existing && onConflict === 'skip') return { outcome: 'skipped', record: existing };
  if (existing && onConflict === 'error') {
    throw conflict(`${refOf(key)} already exists (on_conflict=error)`, {
      type: key.type,
      name: key.name,
      current_version: existing.version,
    });
  }
  if (!existing || onConflict === 'replace') {
    const mode = input.validation ?? DEFAULT_VALIDATION;
    const record: MetadataRecord = {
      id: existing?.id ?? ctx.newId(),
      type: key.type,
      name: key.name,
      namespace: input.namespace ?? DEFAULT_NAMESPACE,
      scope: input.scope ?? DEFAULT_SCOPE,
      metadata: parseMetadata(input.metadata ?? {}, { mode }),
      ...(input.extends ? { extends: input.extends } : {}),
      strategy: input.strategy ?? DEFAULT_STRATEGY,
      validation: mode,
      owner: input.owner ?? ctx.actor,
      state: input.state ?? DEFAULT_STATE,
      version: existing ? existing.version + 1 : 1,
      created_by: existing?.created_by ?? ctx.actor,
      created_at: existing?.created_at ?? ctx.now,
      updated_by: ctx.actor,
      updated_at: ctx.now,
    };
    return { outcome: existing ? 'replaced' : 'created', record: checkedRecord(ordered(record)) };
  }

  // update
  const mode: ValidationMode = input.validation ?? existing.validation;
  let metadata: Metadata;
  if (input.metadata === undefined) {
    metadata = parseMetadata(existing.metadata, { mode });
  } else {
    const update = parseMetadata(input.metadata, { mode });
    metadata = parseMetadata(mergeMetadata(existing.metadata, update), { mode });
  }
  const base = input.extends === undefined ? existing.extends : (input.extends ?? undefined);
  const { extends: _dropped, ...rest } = existing;
  const record: MetadataRecord = {
    ...rest,
    namespace: input.namespace ?? existing.namespace,
    scope: input.scope ?? existing.scope,
    metadata,
    ...(base ? { extends: base } : {}),
    strategy: input.strategy ?? existing.strategy,
    validation: mode,
    owner: input.owner ?? existing.owner,
    state: input.state ?? existing.state,
    version: existing.version + 1,
    updated_by: ctx.actor,
    updated_at: ctx.now,
  };
  return { outcome: 'updated', record: checkedRecord(ordered(record)) };
}

/** Records of a type with a known rule shape are checked against it (a `pricing_rule`'s `custom_rules`). */
function checkedRecord(r: MetadataRecord): MetadataRecord {
  if (r.type === PRICING_RULE_TYPE) {
    const issues = pricingRuleIssues(r.metadata);
    if (issues.length) throw validationError(issues);
  }
  return r;
}

/** The record with its fields in {@link RECORD_FIELDS} order (stable JSON for clients and diffs). */
function ordered(r: MetadataRecord): MetadataRecord {
  const out: Record<string, unknown> = {};
  for (const f of RECORD_FIELDS) if (r[f] !== undefined) out[f] = r[f];
  return out as unknown as MetadataRecord;
}

/** The DynamoDB item of a record: the record plus `type_name` (the GSIs' sort key). */
export function toItem(r: MetadataRecord): Record<string, unknown> {
  return { ...r, [TYPE_NAME_ATTRIBUTE]: typeNameOf(r) };
}

/** The record of a DynamoDB item: only the record fields, in order (drops bookkeeping attributes). */
export function fromItem(item: Record<string, unknown>): MetadataRecord {
  const out: Record<string, unknown> = {};
  for (const f of RECORD_FIELDS) if (item[f] !== undefined && item[f] !== null) out[f] = item[f];
  return out as unknown as MetadataRecord;
}
