/**
 * Index rows: the DynamoDB counterpart of the seed's GIN index on `metadata->'features'` and
 * `metadata->'tags'`. For every tag and feature of an entity, one row in `_metadata_index`
 * (partition `<entity>#tag#<value>#<state>`, sort `<created_at>#<id>`), written in the same
 * transaction as the entity, so "campaigns tagged launch" is a Query, never a Scan.
 */
import type { Metadata } from '../entity-metadata/index.ts';

/** Limits that keep one write within DynamoDB's 100-action transaction. */
export const MAX_TAGS = 24;
export const MAX_FEATURES = 24;

export interface IndexedEntity {
  id: string;
  entity_type: string;
  state: string;
  owner_id: string;
  list_sk: string;
  metadata: Metadata;
}

export interface IndexRow {
  ix: string;
  sk: string;
  id: string;
  entity_type: string;
  state: string;
  owner_id: string;
  tags: string[];
  features: string[];
}

export type IndexKind = 'tag' | 'feature';

export const indexPartition = (entityType: string, kind: IndexKind, value: string, state: string): string =>
  `${entityType}#${kind}#${value}#${state}`;

/** The index rows an entity should have. */
export function indexRows(e: IndexedEntity): IndexRow[] {
  const tags = [...new Set(e.metadata.tags ?? [])];
  const features = [...new Set(e.metadata.features ?? [])];
  const base = {
    sk: e.list_sk,
    id: e.id,
    entity_type: e.entity_type,
    state: e.state,
    owner_id: e.owner_id,
    tags,
    features,
  };
  return [
    ...tags.map((t) => ({ ix: indexPartition(e.entity_type, 'tag', t, e.state), ...base })),
    ...features.map((f) => ({ ix: indexPartition(e.entity_type, 'feature', f, e.state), ...base })),
  ];
}

/** Rows to put (all current ones: their attributes may have changed) and keys to delete. */
export function indexDiff(
  before: IndexedEntity | undefined,
  after: IndexedEntity | undefined,
): { put: IndexRow[]; remove: Array<{ ix: string; sk: string }> } {
  const put = after ? indexRows(after) : [];
  const keep = new Set(put.map((r) => `${r.ix}\u0000${r.sk}`));
  const remove = (before ? indexRows(before) : [])
    .filter((r) => !keep.has(`${r.ix}\u0000${r.sk}`))
    .map((r) => ({ ix: r.ix, sk: r.sk }));
  return { put, remove };
}

/**
 * The sparse "active broadcast" key: present only on entities with feature `broadcast`,
 * a positive frequency (default 1 Hz) and `service_specific.campaign.broadcast_enabled`
 * not false — the seed's `WHERE frequency > 0` as an index that holds only those rows.
 */
export function broadcastKey(e: IndexedEntity): string | undefined {
  const m = e.metadata;
  const frequency = m.scheduling?.frequency ?? 1;
  const enabled = (m.service_specific?.campaign as { broadcast_enabled?: unknown } | undefined)
    ?.broadcast_enabled;
  return m.features?.includes('broadcast') && frequency > 0 && enabled !== false && e.state === 'active'
    ? e.entity_type
    : undefined;
}
