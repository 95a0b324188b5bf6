import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_CAMPAIGN_METADATA } from '../../../bench/fixtures/metadata.ts';
import { parseMetadata, type ValidationMode } from '../../../lib/entity-metadata/index.ts';
import { isTemporaError, type TemporaError } from '../../../lib/errors.ts';
import { checkJsonLimits, MAX_INDEXED_VALUE_BYTES, MAX_METADATA_DEPTH } from '../../../lib/limits/index.ts';

/** The field issues parseMetadata reports (fails the test if it accepts the input). */
function rejected(input: unknown, mode: ValidationMode = 'strict'): Array<{ path: string; message: string }> {
  try {
    parseMetadata(input, { mode });
  } catch (e) {
    if (!isTemporaError(e)) throw e;
    expect((e as TemporaError).status).toBe(400);
    return (e.details as { issues: Array<{ path: string; message: string }> }).issues;
  }
  throw new Error('expected parseMetadata to reject the input');
}

/** `{ a: { a: … { a: 1 } } }` with `levels` objects. */
const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe('metadata within the stores’ limits', () => {
  it('the seed’s full campaign metadata is within every limit', () => {
    expect(checkJsonLimits(FULL_CAMPAIGN_METADATA, { maxDepth: MAX_METADATA_DEPTH })).toEqual([]);
    expect(() => parseMetadata(FULL_CAMPAIGN_METADATA)).not.toThrow();
  });

  it.each<ValidationMode>(['strict', 'lenient'])(
    '%s: numbers DynamoDB cannot store exactly are named',
    (mode) => {
      const issues = rejected({ custom_rules: { big: 1e300, tiny: 1e-300, unsafe: 2 ** 53, ok: 0.5 } }, mode);
      expect(issues.map((i) => i.path)).toEqual([
        'metadata.custom_rules.big',
        'metadata.custom_rules.tiny',
        'metadata.custom_rules.unsafe',
      ]);
    },
  );

  it.each<ValidationMode>(['strict', 'lenient'])(
    '%s: nesting beyond the metadata depth is named at the first level too deep',
    (mode) => {
      // metadata (1) → service_specific (2) → content's value (3 … 2 + its own depth).
      const atLimit = { service_specific: { content: deep(MAX_METADATA_DEPTH - 2) } };
      expect(() => parseMetadata(atLimit, { mode })).not.toThrow();
      const over = { service_specific: { content: deep(MAX_METADATA_DEPTH - 1) } };
      const issues = rejected(over, mode);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toBe(`metadata.service_specific.content${'.a'.repeat(MAX_METADATA_DEPTH - 2)}`);
      expect(issues[0]?.message).toMatch(`at most ${MAX_METADATA_DEPTH} levels`);
    },
  );

  it('lone surrogates in keys and values are named once, in both modes', () => {
    expect(rejected({ tags: ['ok', 'bad\ud800'] })).toEqual([
      { path: 'metadata.tags[1]', message: expect.stringMatching(/surrogate/) },
    ]);
    expect(rejected({ service_specific: { x: { 'k\udc00': 1 } } }, 'lenient')).toEqual([
      { path: 'metadata.service_specific.x.k\\uDC00', message: expect.stringMatching(/field name/) },
    ]);
  });

  it('tags and features longer than an index key allows are named; at the cap they pass', () => {
    const atCap = 'é'.repeat(MAX_INDEXED_VALUE_BYTES / 2);
    expect(() => parseMetadata({ tags: [atCap], features: [atCap] })).not.toThrow();
    expect(
      rejected({ tags: ['fine', `${atCap}x`], features: ['t'.repeat(2049)] })
        .map((i) => i.path)
        .sort(),
    ).toEqual(['metadata.features[0]', 'metadata.tags[1]']);
  });

  it('schema issues and limit issues are reported together', () => {
    const issues = rejected({ scheduling: { frequency: 500 }, custom_rules: { n: 1e300 } });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'metadata.custom_rules.n',
      'metadata.scheduling.frequency',
    ]);
  });

  it('lenient mode accepts a free-form custom_rules exactly when it is within the limits (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }),
        (rules) => {
          const within =
            checkJsonLimits({ custom_rules: rules }, { maxDepth: MAX_METADATA_DEPTH }).length === 0;
          let accepted = true;
          try {
            parseMetadata({ custom_rules: rules }, { mode: 'lenient' });
          } catch (e) {
            expect(isTemporaError(e)).toBe(true);
            accepted = false;
          }
          expect(accepted).toBe(within);
        },
      ),
    );
  });
});
