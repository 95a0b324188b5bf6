/**
 * The 64 KB cap on what is stored (pure, no I/O). Every write of an entity — a client's, the
 * scheduler's, localization's, any consumer's — goes through {@link fitMetadata} on the final
 * document it is about to store, after the platform appended its own bookkeeping:
 *
 * - the **platform's part** of the metadata (`audit`, `scheduling.intents`) is compacted to
 *   fit: the oldest audit history entries go first (the full history is in the audit table),
 *   then the intent summary keeps only pending intents, soonest first (every intent stays
 *   readable at `GET /api/scheduler/intents?entity_id=`). So platform writes never fail for size;
 * - the **client's part** (everything else) may take the cap minus {@link PLATFORM_RESERVE_BYTES}
 *   kept for that bookkeeping. A write that would make the client's part larger than that, and
 *   larger than it already was, is a 413 naming the largest fields. A write that does not grow
 *   it (a patch down, an archive, any scheduler write) always goes through, so an entity at the
 *   cap can always be patched down, archived and deleted.
 */

import { MAX_METADATA_BYTES, type Metadata, metadataSize } from '../entity-metadata/index.ts';
import { payloadTooLarge } from '../errors.ts';

/** Room the stored document keeps for the platform's bookkeeping (audit trail, intent summary). */
export const PLATFORM_RESERVE_BYTES = 2048;
/** Largest client part of a stored metadata document. */
export const MAX_CLIENT_METADATA_BYTES = MAX_METADATA_BYTES - PLATFORM_RESERVE_BYTES;

type Intent = Record<string, unknown>;
const PENDING = new Set(['scheduled', 'executing']);

/** The client's part: the metadata without the platform's bookkeeping. */
export function clientPart(m: Metadata): Metadata {
  const { audit: _audit, ...rest } = m;
  if (!rest.scheduling || !('intents' in rest.scheduling)) return rest;
  const { intents: _intents, ...scheduling } = rest.scheduling;
  if (Object.keys(scheduling).length === 0) {
    const { scheduling: _empty, ...others } = rest;
    return others;
  }
  return { ...rest, scheduling };
}

const withIntents = (m: Metadata, intents: Intent[] | undefined): Metadata => {
  if (!m.scheduling) return m;
  const { intents: _old, ...scheduling } = m.scheduling;
  return { ...m, scheduling: intents ? { ...scheduling, intents } : scheduling };
};

/** Compactions of the platform's part, mildest first; each one smaller than the last. */
function* compactions(m: Metadata): Generator<Metadata> {
  const history = m.audit?.history ?? [];
  let current = m;
  // 1. Fewer audit history entries, halving down to the last one.
  for (let keep = Math.floor(history.length / 2); keep >= 1 && m.audit; keep = Math.floor(keep / 2)) {
    current = { ...current, audit: { ...m.audit, history: history.slice(-keep) } };
    yield current;
  }
  // 2. Intents: only the pending ones, in short form, then fewer of them.
  const intents = (m.scheduling?.intents ?? []) as Intent[];
  if (intents.length > 0) {
    const pending = intents
      .filter((i) => PENDING.has(String(i.status)))
      .map((i) => ({ id: i.id, action: i.action, run_at: i.run_at, status: i.status }));
    current = withIntents(current, pending);
    yield current;
    for (
      let keep = Math.floor(pending.length / 2);
      keep >= 0;
      keep = keep === 0 ? -1 : Math.floor(keep / 2)
    ) {
      current = withIntents(current, pending.slice(0, keep));
      yield current;
    }
  }
  // 3. The audit summary without history (created_by and last_modified_by stay).
  if (m.audit?.history?.length) {
    current = { ...current, audit: { ...m.audit, history: [] } };
    yield current;
  }
}

/** The top-level fields of the client's part, largest first (what a 413 names). */
export function largestFields(m: Metadata, n = 3): Array<{ path: string; size: number }> {
  return Object.entries(clientPart(m))
    .map(([k, v]) => ({ path: `metadata.${k}`, size: metadataSize(v) }))
    .sort((a, b) => b.size - a.size)
    .slice(0, n);
}

/**
 * The metadata to store for a write, within the cap (see the module comment). `before` is the
 * stored document the write replaces (undefined for a create).
 *
 * @throws TemporaError 413 `payload_too_large` naming the largest fields, when the write would
 *   grow the client's part beyond {@link MAX_CLIENT_METADATA_BYTES}.
 */
export function fitMetadata(after: Metadata, before: Metadata | undefined): Metadata {
  const clientSize = metadataSize(clientPart(after));
  const beforeClient = before ? metadataSize(clientPart(before)) : 0;
  if (clientSize > MAX_CLIENT_METADATA_BYTES && clientSize > beforeClient) {
    const largest = largestFields(after);
    throw payloadTooLarge(
      `metadata would be too large to store: its fields take ${clientSize} bytes; the limit is ${MAX_CLIENT_METADATA_BYTES} bytes (${MAX_METADATA_BYTES} bytes stored, ${PLATFORM_RESERVE_BYTES} kept for the audit trail and intents); largest: ${largest.map((f) => `${f.path} (${f.size} bytes)`).join(', ')}`,
      { limit: MAX_CLIENT_METADATA_BYTES, size: clientSize, stored_limit: MAX_METADATA_BYTES, largest },
    );
  }
  if (metadataSize(after) <= MAX_METADATA_BYTES) return after;
  let fitted = after;
  for (const c of compactions(after)) {
    fitted = c;
    if (metadataSize(c) <= MAX_METADATA_BYTES) break;
  }
  return fitted;
}
