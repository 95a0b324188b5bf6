/**
 * Metadata layer benchmark: strict validation + merge of a small patch, against a plain
 * JSON round trip of the same document, plus the idempotency key.
 */
import { idempotencyKey, type Metadata, mergeMetadata, parseMetadata } from '../lib/entity-metadata/index.ts';
import { FULL_CAMPAIGN_METADATA as CAMPAIGN_DOC } from './fixtures/metadata.ts';
import { type Measurement, measure, printTable } from './lib.ts';

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
