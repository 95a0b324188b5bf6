/**
 * What an entity event means for Amadeus's pattern edges: the entity's edges after the write,
 * or its deletion, and whether a change supersedes what is stored (pure; stored by
 * pattern-store.ts).
 */
import type { EventEnvelope } from '../events/envelope.ts';
import { type PatternEdge, patternEdges } from './patterns.ts';
import { MAX_PATTERN_BYTES } from './table.ts';

/** One entity write as Amadeus sees it: the entity's edges at `version`, or its deletion. */
export interface EntityEdgeChange {
  type: string;
  id: string;
  /** The entity's version (a deletion carries the version it deleted). */
  version: number;
  deleted: boolean;
  /** The entity's edges after the write (empty when deleted). */
  edges: PatternEdge[];
}

/**
 * The edge change an event stands for, or undefined when it is not an entity write. Only
 * envelopes carrying the entity's `metadata` are: the entity store's CRUD and verb events.
 * Events without it (scheduler events, `POST /api/events`) never touch edges, so a client
 * cannot forge or erase an entity's edges through the bus.
 */
export function entityChangeOf(envelope: EventEnvelope): EntityEdgeChange | undefined {
  if (envelope.metadata === undefined || envelope.metadata === null) return undefined;
  const { type, id, version } = envelope.entity;
  const deleted = envelope.type === `${type}.deleted`;
  const edges = deleted ? [] : patternEdges({ type, id, metadata: envelope.metadata });
  return {
    type,
    id,
    version,
    deleted,
    edges: edges.filter((e) => e.kind !== 'uses_pattern' || patternNameOk(e.to)),
  };
}

/** True when `pattern` can be stored and looked up (not blank, at most {@link MAX_PATTERN_BYTES}). */
export const patternNameOk = (pattern: string): boolean =>
  pattern.trim() !== '' && Buffer.byteLength(pattern, 'utf8') <= MAX_PATTERN_BYTES;

/** True when `change` is newer than the stored state: a higher version, or the deletion of the same one. */
export function supersedes(
  stored: { version: number; deleted: boolean } | undefined,
  change: EntityEdgeChange,
) {
  if (!stored) return true;
  if (stored.deleted) return false; // ids are never reused: a deletion is final
  return change.version > stored.version || (change.version === stored.version && change.deleted);
}
