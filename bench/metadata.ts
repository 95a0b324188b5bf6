/**
 * Metadata layer benchmark: strict validation + merge of a small patch, against a plain
 * JSON round trip of the same document, plus the idempotency key.
 */
import { idempotencyKey, type Metadata, mergeMetadata, parseMetadata } from '../lib/metadata/index.ts';
import { type Measurement, measure, printTable } from './lib.ts';

/** "Example: Full Metadata for a Campaign" from the seed document (000). */
const CAMPAIGN_DOC = {
  scheduling: {
    frequency: 5,
    start_time: '2025-06-01T00:00:00Z',
    end_time: '2025-06-30T23:59:59Z',
  },
  features: ['waitlist', 'referral', 'leaderboard', 'broadcast'],
  custom_rules: { max_participants: 1000, reward_tier: 'platinum' },
  audit: { created_by: 'admin', history: ['2025-05-01T12:00:00Z'] },
  tags: ['ovasabi', 'launch', 'summer2025'],
  service_specific: {
    campaign: {
      broadcast_enabled: true,
      leaderboard: [
        { user: 'alice', score: 120 },
        { user: 'bob', score: 100 },
      ],
    },
    content: { topics: ['ai', 'golang'], editor_mode: 'richtext' },
  },
  knowledge_graph: { pattern: 'waitlist', dependencies: ['user', 'notification'] },
};

const PATCH: Metadata = { scheduling: { frequency: 10 }, tags: ['ovasabi', 'launch', 'summer2025', 'hot'] };

const best = (a: Measurement, b: Measurement): Measurement => (a.opsPerSec >= b.opsPerSec ? a : b);

/** Run the metadata benchmark and print its table and the validate+merge / JSON ratio. */
export async function runMetadataBench(): Promise<void> {
  const validateMerge = (): Metadata => mergeMetadata(parseMetadata(CAMPAIGN_DOC), PATCH);
  const jsonRoundTrip = (): unknown => JSON.parse(JSON.stringify(CAMPAIGN_DOC));

  // Interleave A, B, A, B in one process and keep the best of each, to damp drift.
  const a1 = await measure('parseMetadata(strict) + mergeMetadata', validateMerge);
  const b1 = await measure('JSON.parse(JSON.stringify(doc))', jsonRoundTrip);
  const a2 = await measure(a1.name, validateMerge);
  const b2 = await measure(b1.name, jsonRoundTrip);
  const key = await measure('idempotencyKey(doc)', () => idempotencyKey(CAMPAIGN_DOC));
  const rows = [best(a1, a2), best(b1, b2), key];

  printTable(
    rows.map((m) => ({
      benchmark: m.name,
      'ops/s': Math.round(m.opsPerSec),
      'µs/op': Number((1e6 / m.opsPerSec).toFixed(2)),
      samples: m.samples,
    })),
  );
  const ratio = rows[0]!.opsPerSec / rows[1]!.opsPerSec;
  console.log(`validate+merge: ${ratio.toFixed(2)}× of JSON round-trip (ops/s ratio, higher is faster)`);
}
