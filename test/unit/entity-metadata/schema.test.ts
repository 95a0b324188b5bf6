import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import { FULL_CAMPAIGN_METADATA as campaignExample } from '../../../bench/fixtures/metadata.ts';
import {
  MAX_FREQUENCY_HZ,
  MAX_METADATA_BYTES,
  metadataSize,
  parseMetadata,
  registerNamespace,
  type ValidationMode,
} from '../../../lib/entity-metadata/index.ts';
import { type FieldIssue, isTemporaError, type TemporaError } from '../../../lib/errors.ts';

/** Run `fn`, expect a TemporaError, return it. */
function failure(fn: () => unknown): TemporaError {
  try {
    fn();
  } catch (e) {
    if (isTemporaError(e)) return e;
    throw e;
  }
  throw new Error('expected a TemporaError');
}

function issues(fn: () => unknown): FieldIssue[] {
  const err = failure(fn);
  expect(err.status).toBe(400);
  expect(err.code).toBe('validation_failed');
  return (err.details as { issues: FieldIssue[] }).issues;
}

const paths = (fn: () => unknown): string[] => issues(fn).map((i) => i.path);

describe('parseMetadata: valid documents', () => {
  it('accepts the full campaign example in strict mode, unchanged', () => {
    expect(parseMetadata(campaignExample)).toEqual(campaignExample);
    expect(parseMetadata(campaignExample, { mode: 'strict' })).toEqual(campaignExample);
  });

  it.each([
    ['feature toggles', { features: ['referral', 'notification'] }],
    ['custom rules', { custom_rules: { max_referrals: 10, reward_tier: 'gold' } }],
    ['knowledge graph', { knowledge_graph: { pattern: 'waitlist', dependencies: ['user', 'notification'] } }],
    [
      'user namespace',
      { service_specific: { user: { interests: ['music', 'sports'], preferred_language: 'en' } } },
    ],
    ['audit history', { audit: { created_by: 'admin', history: ['2025-05-01T12:00:00Z'] } }],
    [
      'localization namespace',
      {
        service_specific: {
          localization: {
            scripts: { title: 'Hello' },
            locales: ['fr', 'pt-BR'],
            scripts_translations: { fr: { title: 'Bonjour' } },
          },
        },
      },
    ],
    ['commerce namespace', { service_specific: { commerce: { payment_window: 'PT15M' } } }],
    [
      'audit entries and extra keys in nested canonical objects',
      {
        scheduling: {
          frequency: 0.5,
          cron: '0 12 * * ? *',
          timezone: 'Europe/Paris',
          intents: [{ id: 'i1' }],
          x: 1,
        },
        audit: {
          history: [{ at: '2025-05-01T12:00:00.123+02:00', actor: 'u1', action: 'update', note: 'n' }],
        },
        knowledge_graph: { pattern: 'p', extra: true },
      },
    ],
  ])('accepts the seed snippet: %s', (_name, doc) => {
    expect(parseMetadata(doc)).toEqual(doc);
  });

  it('returns {} for undefined input', () => {
    expect(parseMetadata(undefined)).toEqual({});
    expect(parseMetadata(undefined, { mode: 'lenient' })).toEqual({});
  });

  it('accepts unknown namespaces as objects in strict mode', () => {
    const doc = { service_specific: { talent_x: { anything: [1, 'two'] } } };
    expect(parseMetadata(doc)).toEqual(doc);
  });

  it('keeps extra keys inside known namespaces', () => {
    const doc = { service_specific: { campaign: { broadcast_enabled: false, theme: 'dark' } } };
    expect(parseMetadata(doc)).toEqual(doc);
  });
});

describe('parseMetadata: strict vs lenient', () => {
  it('rejects an unknown top-level key in strict mode, naming its path', () => {
    const errs = issues(() => parseMetadata({ ...campaignExample, foo: 1 }));
    expect(errs.map((i) => i.path)).toEqual(['metadata.foo']);
  });

  it('keeps an unknown top-level key in lenient mode', () => {
    const out = parseMetadata({ ...campaignExample, foo: { bar: 1 } }, { mode: 'lenient' });
    expect(out).toEqual({ ...campaignExample, foo: { bar: 1 } });
  });

  it('type-checks known namespaces in strict mode only', () => {
    const doc = { service_specific: { campaign: { broadcast_enabled: 'yes' } } };
    expect(paths(() => parseMetadata(doc))).toEqual(['metadata.service_specific.campaign.broadcast_enabled']);
    expect(parseMetadata(doc, { mode: 'lenient' })).toEqual(doc);
  });

  it.each<ValidationMode>(['strict', 'lenient'])(
    '%s: still type-checks canonical top-level fields',
    (mode) => {
      expect(paths(() => parseMetadata({ tags: 'launch', scheduling: { frequency: 0 } }, { mode }))).toEqual([
        'metadata.scheduling.frequency',
        'metadata.tags',
      ]);
    },
  );

  it.each<ValidationMode>(['strict', 'lenient'])('%s: a namespace must be an object', (mode) => {
    expect(paths(() => parseMetadata({ service_specific: { other: [1] } }, { mode }))).toEqual([
      'metadata.service_specific.other',
    ]);
  });
});

describe('parseMetadata: issues', () => {
  it('reports every invalid field, with dotted and indexed paths', () => {
    const bad = {
      foo: 1,
      bar: 2,
      tags: ['ok', 3],
      features: 'broadcast',
      scheduling: { frequency: -1, start_time: 'yesterday' },
      service_specific: {
        campaign: {
          broadcast_enabled: 'yes',
          leaderboard: [{ user: 'a', score: 'high' }],
          live_participant_count: -1,
        },
        user: { preferred_language: 'x' },
      },
      audit: { history: [42] },
    };
    expect(paths(() => parseMetadata(bad)).sort()).toEqual(
      [
        'metadata.audit.history[0]',
        'metadata.bar',
        'metadata.features',
        'metadata.foo',
        'metadata.scheduling.frequency',
        'metadata.scheduling.start_time',
        'metadata.service_specific.campaign.broadcast_enabled',
        'metadata.service_specific.campaign.leaderboard[0].score',
        'metadata.service_specific.campaign.live_participant_count',
        'metadata.service_specific.user.preferred_language',
        'metadata.tags[1]',
      ].sort(),
    );
  });

  it('uses the given path prefix', () => {
    expect(paths(() => parseMetadata({ tags: [1] }, { pathPrefix: 'body.metadata' }))).toEqual([
      'body.metadata.tags[0]',
    ]);
    expect(paths(() => parseMetadata({ tags: [1] }, { pathPrefix: '' }))).toEqual(['tags[0]']);
  });

  it('puts the issue list in the message too', () => {
    expect(failure(() => parseMetadata({ tags: [1] })).message).toContain('metadata.tags[0]');
  });
});

describe('parseMetadata: scheduling', () => {
  it.each([0, -1, MAX_FREQUENCY_HZ + 0.1, 1000])('rejects frequency %s', (frequency) => {
    expect(paths(() => parseMetadata({ scheduling: { frequency } }))).toEqual([
      'metadata.scheduling.frequency',
    ]);
  });

  it.each([0.1, 1, MAX_FREQUENCY_HZ])('accepts frequency %s', (frequency) => {
    expect(parseMetadata({ scheduling: { frequency } })).toEqual({ scheduling: { frequency } });
  });

  it('rejects a non-number frequency', () => {
    expect(paths(() => parseMetadata({ scheduling: { frequency: '5' } }))).toEqual([
      'metadata.scheduling.frequency',
    ]);
  });

  it.each([
    ['before', '2025-06-30T00:00:00Z', '2025-06-01T00:00:00Z'],
    ['equal to', '2025-06-01T00:00:00Z', '2025-06-01T00:00:00Z'],
    ['before (as instants, across offsets)', '2025-06-01T00:30:00Z', '2025-06-01T02:00:00+02:00'],
  ])('rejects end_time %s start_time', (_what, start_time, end_time) => {
    expect(paths(() => parseMetadata({ scheduling: { start_time, end_time } }))).toEqual([
      'metadata.scheduling.end_time',
    ]);
  });

  it('accepts end_time after start_time, and either one alone', () => {
    for (const scheduling of [
      { start_time: '2025-06-01T00:00:00Z', end_time: '2025-06-01T00:00:01Z' },
      { start_time: '2025-06-01T00:00:00Z' },
      { end_time: '2025-06-01T00:00:00Z' },
    ]) {
      expect(parseMetadata({ scheduling })).toEqual({ scheduling });
    }
  });

  it.each([
    '2025-06-01',
    '2025-06-01T00:00:00',
    '2025-06-01 00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-02-30T00:00:00Z',
    'yesterday',
    '1717200000',
  ])('rejects the non-RFC 3339 time %s', (time) => {
    expect(paths(() => parseMetadata({ scheduling: { start_time: time, end_time: time } })).sort()).toEqual([
      'metadata.scheduling.end_time',
      'metadata.scheduling.start_time',
    ]);
  });

  it('accepts RFC 3339 times with offsets and fractions', () => {
    const scheduling = { start_time: '2025-06-01T00:00:00.5+05:30', end_time: '2025-06-01T00:00:00.123456Z' };
    expect(parseMetadata({ scheduling })).toEqual({ scheduling });
  });
});

describe('parseMetadata: size cap', () => {
  /** A document whose serialized size is exactly `bytes`, padded with `char`. */
  function docOfSize(bytes: number, char = 'a'): { custom_rules: { blob: string } } {
    const empty = metadataSize({ custom_rules: { blob: '' } });
    const charBytes = Buffer.byteLength(char, 'utf8');
    const doc = { custom_rules: { blob: char.repeat(Math.floor((bytes - empty) / charBytes)) } };
    doc.custom_rules.blob += 'a'.repeat(bytes - metadataSize(doc));
    expect(metadataSize(doc)).toBe(bytes);
    return doc;
  }

  it('accepts a document of exactly MAX_METADATA_BYTES', () => {
    const doc = docOfSize(MAX_METADATA_BYTES);
    expect(parseMetadata(doc)).toEqual(doc);
  });

  it('rejects one byte more with 413 and { limit, size }', () => {
    const err = failure(() => parseMetadata(docOfSize(MAX_METADATA_BYTES + 1)));
    expect(err.status).toBe(413);
    expect(err.code).toBe('payload_too_large');
    expect(err.details).toEqual({ limit: MAX_METADATA_BYTES, size: MAX_METADATA_BYTES + 1 });
  });

  it('counts UTF-8 bytes, not characters', () => {
    const doc = docOfSize(MAX_METADATA_BYTES + 2, 'é');
    expect(JSON.stringify(doc).length).toBeLessThan(MAX_METADATA_BYTES);
    expect(failure(() => parseMetadata(doc)).status).toBe(413);
  });

  it('checks the size before the schema, in both modes', () => {
    const doc = { ...docOfSize(MAX_METADATA_BYTES + 10), foo: 1 };
    expect(failure(() => parseMetadata(doc)).status).toBe(413);
    expect(failure(() => parseMetadata(doc, { mode: 'lenient' })).status).toBe(413);
  });

  it('metadataSize is the UTF-8 length of the JSON text', () => {
    expect(metadataSize(undefined)).toBe(0);
    expect(metadataSize({})).toBe(2);
    expect(metadataSize({ tags: ['é'] })).toBe(Buffer.byteLength('{"tags":["é"]}'));
  });
});

describe('parseMetadata: non-object input', () => {
  it.each([null, [], [campaignExample], 'metadata', 42, true])('rejects %j at `metadata`', (input) => {
    expect(paths(() => parseMetadata(input))).toEqual(['metadata']);
    expect(paths(() => parseMetadata(input, { mode: 'lenient' }))).toEqual(['metadata']);
  });

  it('rejects a value that cannot be serialized', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(paths(() => parseMetadata(cyclic))).toEqual(['metadata']);
    expect(paths(() => parseMetadata({ custom_rules: { n: 1n } }))).toEqual(['metadata']);
  });
});

describe('registerNamespace', () => {
  it('type-checks a namespace registered later, in strict mode only', () => {
    const doc = { service_specific: { test_talent: { rating: 'five' } } };
    expect(parseMetadata(doc)).toEqual(doc); // unknown namespace: any object
    registerNamespace('test_talent', z.looseObject({ rating: z.optional(z.number()) }));
    expect(paths(() => parseMetadata(doc))).toEqual(['metadata.service_specific.test_talent.rating']);
    expect(parseMetadata(doc, { mode: 'lenient' })).toEqual(doc);
    expect(parseMetadata({ service_specific: { test_talent: { rating: 5 } } })).toEqual({
      service_specific: { test_talent: { rating: 5 } },
    });
  });

  it('refuses a duplicate or reserved name', () => {
    expect(() => registerNamespace('campaign', z.looseObject({}))).toThrow(/already registered/);
    expect(() => registerNamespace('__proto__', z.looseObject({}))).toThrow(/Invalid/);
    expect(() => registerNamespace('a.b', z.looseObject({}))).toThrow(/Invalid/);
  });
});
