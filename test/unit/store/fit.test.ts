/**
 * The cap on what is stored (lib/store/fit.ts): the platform's bookkeeping is compacted to fit,
 * a write growing the client's part beyond its share is a 413 naming the largest fields, a
 * write that does not grow it always goes through.
 */
import { describe, expect, it } from 'vitest';
import {
  appendAudit,
  MAX_AUDIT_HISTORY,
  MAX_METADATA_BYTES,
  type Metadata,
  metadataSize,
} from '../../../lib/entity-metadata/index.ts';
import { isTemporaError } from '../../../lib/errors.ts';
import { clientPart, fitMetadata, MAX_CLIENT_METADATA_BYTES } from '../../../lib/store/fit.ts';

/** Metadata whose client part is exactly `bytes` long. */
const clientOfSize = (bytes: number): Metadata => {
  const base = { custom_rules: { blob: '' } };
  return { custom_rules: { blob: 'x'.repeat(bytes - metadataSize(base)) } };
};

const withHistory = (m: Metadata, n: number): Metadata => {
  let out = m;
  for (let i = 0; i < n; i++)
    out = appendAudit(out, {
      actor: `actor-${'a'.repeat(40)}`,
      action: 'update',
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    });
  return out;
};

const intent = (i: number, status: string) => ({
  id: `01INTENT${String(i).padStart(18, '0')}`,
  action: 'archive',
  pattern: `pattern-${i}-${'p'.repeat(60)}`,
  run_at: new Date(Date.UTC(2030, 0, 1 + i)).toISOString(),
  status,
  cancel_on: ['campaign.extended', 'campaign.deleted', 'policy_override'],
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe('fitMetadata', () => {
  it('leaves a document within the cap as it is', () => {
    const m = withHistory(clientOfSize(1000), 3);
    expect(fitMetadata(m, undefined)).toBe(m);
  });

  it('a create whose fields exceed their share is a 413 naming the largest field', () => {
    const m = withHistory(clientOfSize(MAX_CLIENT_METADATA_BYTES + 1), 1);
    try {
      fitMetadata(m, undefined);
      expect.unreachable();
    } catch (e) {
      expect(isTemporaError(e) && e.status).toBe(413);
      expect((e as Error).message).toContain('metadata.custom_rules');
      expect((e as { details: { largest: Array<{ path: string }> } }).details.largest[0]?.path).toBe(
        'metadata.custom_rules',
      );
    }
  });

  it('the client part at its limit plus a full audit history and intents is stored within the cap', () => {
    const client = clientOfSize(MAX_CLIENT_METADATA_BYTES);
    const intents = [
      ...Array.from({ length: 30 }, (_, i) => intent(i, 'cancelled')),
      intent(40, 'scheduled'),
      intent(41, 'scheduled'),
    ];
    const full = withHistory({ ...client, scheduling: { frequency: 1, intents } }, MAX_AUDIT_HISTORY);
    expect(metadataSize(full)).toBeGreaterThan(MAX_METADATA_BYTES);
    const stored = fitMetadata(full, full);
    expect(metadataSize(stored)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    // The client's part is untouched; the newest audit entry and the pending intents stay first.
    expect(clientPart(stored)).toEqual(clientPart(full));
    expect(stored.audit?.history?.at(-1)).toEqual(full.audit?.history?.at(-1));
    expect(stored.audit?.last_modified_by).toBe(full.audit?.last_modified_by);
    expect(stored.scheduling?.frequency).toBe(1);
  });

  it('a scheduler write (intents only) never fails for size, whatever the client part', () => {
    const before = withHistory(clientOfSize(MAX_CLIENT_METADATA_BYTES), MAX_AUDIT_HISTORY);
    const after = withHistory(
      { ...before, scheduling: { intents: Array.from({ length: 200 }, (_, i) => intent(i, 'scheduled')) } },
      1,
    );
    const stored = fitMetadata(after, before);
    expect(metadataSize(stored)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    const kept = (stored.scheduling?.intents ?? []) as Array<{ run_at: string }>;
    // Soonest first, in short form.
    expect(kept[0]).toEqual({
      id: intent(0, 'scheduled').id,
      action: 'archive',
      run_at: intent(0, 'scheduled').run_at,
      status: 'scheduled',
    });
  });

  it('a write that does not grow the client part goes through even above the share (patch down)', () => {
    const legacy = withHistory(clientOfSize(MAX_CLIENT_METADATA_BYTES + 1500), 2);
    const smaller = withHistory(clientOfSize(MAX_CLIENT_METADATA_BYTES + 1000), 3);
    expect(() => fitMetadata(smaller, legacy)).not.toThrow();
    expect(() => fitMetadata(withHistory(legacy, 1), legacy)).not.toThrow();
    // Growing it is refused.
    expect(() => fitMetadata(withHistory(clientOfSize(MAX_CLIENT_METADATA_BYTES + 1600), 3), legacy)).toThrow(
      /too large/,
    );
  });
});
