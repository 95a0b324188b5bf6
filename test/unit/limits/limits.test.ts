import { convertToAttr, marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { isTemporaError, type TemporaError } from '../../../lib/errors.ts';
import { buildEnvelope } from '../../../lib/events/envelope.ts';
import { toEntry } from '../../../lib/events/publisher.ts';
import {
  assertEventEntry,
  assertJsonLimits,
  assertRequestLimits,
  boundedNumber,
  checkBodySize,
  checkJsonLimits,
  DYNAMODB_MAX_NESTING,
  DYNAMODB_PARTITION_KEY_BYTES,
  DYNAMODB_SORT_KEY_BYTES,
  EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS,
  EVENTBRIDGE_MAX_ENTRY_BYTES,
  eventDetailType,
  eventEntrySize,
  eventSource,
  headerIssues,
  idString,
  indexKeyString,
  isStorableNumber,
  isWellFormedUnicode,
  jsonLimitIssues,
  jsonObject,
  jsonValue,
  MAX_BODY_DEPTH,
  MAX_HEADERS_BYTES,
  MAX_ID_BYTES,
  MAX_INDEXED_VALUE_BYTES,
  MAX_JSON_BODY_BYTES,
  MAX_METADATA_DEPTH,
  parameterIssues,
  wellFormedString,
} from '../../../lib/limits/index.ts';
import { registry, stateSchema } from '../../../lib/registry/index.ts';
import { indexPartition } from '../../../lib/store/indexes.ts';

/** The error a call throws (fails the test if it does not throw a TemporaError). */
function thrown(fn: () => unknown): TemporaError {
  try {
    fn();
  } catch (e) {
    if (isTemporaError(e)) return e;
    throw e;
  }
  throw new Error('expected a TemporaError');
}
const issuesOf = (e: TemporaError) =>
  (e.details as { issues: Array<{ path: string; message: string }> }).issues;

/** Strings built from any UTF-16 code unit, so lone surrogates are frequent. */
const anyCodeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
});
/** Strings biased to the surrogate range and to multi-byte characters. */
const trickyStrings = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('a', 'é', '€', '😀', '\u0000'),
  ),
});

/** A value nested `n` levels deep (arrays and objects alternating). */
const nested = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? { k: v } : [v];
  return v;
};

/** Independent reference: depth of containers (scalar 0). */
const depth = (v: unknown): number =>
  v !== null && typeof v === 'object'
    ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depth))
    : 0;
/** Independent reference of "within every limit" for values fast-check's JSON generators make. */
const withinLimits = (v: unknown, maxDepth: number): boolean => {
  const ok = (x: unknown): boolean => {
    if (typeof x === 'number') return x === 0 || (Math.abs(x) >= 1e-130 && Math.abs(x) <= 2 ** 53 - 1);
    if (typeof x === 'string') return Buffer.from(x, 'utf8').toString('utf8') === x;
    if (x === null || typeof x === 'boolean') return true;
    if (typeof x === 'object')
      return Object.entries(x as Record<string, unknown>).every(
        ([k, c]) => Buffer.from(k, 'utf8').toString('utf8') === k && ok(c),
      );
    return false;
  };
  return depth(v) <= maxDepth && ok(v);
};

describe('numbers DynamoDB stores exactly', () => {
  it.each([0, -0, 1, -1, 0.1, 1.5, 1e-130, -1e-130, 123456.789, 2 ** 53 - 1, -(2 ** 53 - 1), 1e15])(
    'accepts %s',
    (n) => expect(isStorableNumber(n)).toBe(true),
  );
  it.each([1e300, -1e300, 2 ** 53, 1e-300, -1e-131, 1e-131, 5e-324, Number.NaN, Infinity, -Infinity, 1e16])(
    'refuses %s',
    (n) => expect(isStorableNumber(n)).toBe(false),
  );

  it('accepts a double exactly when the SDK marshals it and DynamoDB keeps it (≤ 38 digits, ≥ 1e-130)', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        let marshals = true;
        try {
          convertToAttr(d);
        } catch {
          marshals = false;
        }
        const inRange = d === 0 || Math.abs(d) >= 1e-130;
        expect(isStorableNumber(d)).toBe(marshals && inRange);
        if (isStorableNumber(d)) {
          const text = (convertToAttr(d) as { N: string }).N;
          expect(
            text.replace(/e.*$/i, '').replace(/[-.]/g, '').replace(/^0+/, '').length,
          ).toBeLessThanOrEqual(38);
          expect(Number(text)).toBe(d === 0 ? 0 : d);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('boundedNumber() parses exactly the storable numbers and names the reason', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        expect(boundedNumber().safeParse(d).success).toBe(isStorableNumber(d));
      }),
    );
    const r = z.object({ price: boundedNumber() }).safeParse({ price: 1e300 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['price']);
    expect(r.error?.issues[0]?.message).toMatch(/at most 9007199254740991/);
    expect(z.object({ p: boundedNumber() }).safeParse({ p: 1e-300 }).error?.issues[0]?.message).toMatch(
      /1e-130/,
    );
  });
});

describe('well-formed Unicode', () => {
  it('is exactly "survives UTF-8 unchanged"', () => {
    fc.assert(
      fc.property(anyCodeUnits, (s) => {
        expect(isWellFormedUnicode(s)).toBe(Buffer.from(s, 'utf8').toString('utf8') === s);
      }),
      { numRuns: 2000 },
    );
  });
  it.each(['\ud800', 'a\udc00', '\udbff\ud800', 'x\ud83d'])('refuses %j', (s) =>
    expect(isWellFormedUnicode(s)).toBe(false),
  );
  it.each(['', 'plain', '😀', 'é€\u0000'])('accepts %j', (s) => expect(isWellFormedUnicode(s)).toBe(true));
});

describe('checkJsonLimits: one walk over a JSON value', () => {
  it('reports nothing exactly for the values within every limit (differential against a reference)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 6 }), (v, maxDepth) => {
        expect(jsonLimitIssues(v, { maxDepth, maxIssues: 1_000 }).length === 0).toBe(
          withinLimits(v, maxDepth),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('finds lone surrogates in keys and values wherever they are', () => {
    fc.assert(
      fc.property(
        fc.dictionary(trickyStrings, fc.oneof(trickyStrings, fc.array(trickyStrings, { maxLength: 3 })), {
          maxKeys: 4,
        }),
        (v) => {
          expect(jsonLimitIssues(v, { maxIssues: 1_000 }).length === 0).toBe(withinLimits(v, MAX_BODY_DEPTH));
        },
      ),
    );
  });

  it('accepted values marshal for DynamoDB and stay within its 32 levels with the headroom left', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        fc.pre(checkJsonLimits(v).length === 0);
        expect(() => marshall({ v }, { removeUndefinedValues: true })).not.toThrow();
        // The deepest place a body lands today: outbox row → envelope → payload → fields.
        expect(depth(v) + 2).toBeLessThanOrEqual(DYNAMODB_MAX_NESTING);
      }),
    );
    expect(MAX_BODY_DEPTH + 2).toBeLessThanOrEqual(DYNAMODB_MAX_NESTING);
    // Metadata sits one level below a body (and at envelope.metadata in the outbox).
    expect(MAX_METADATA_DEPTH + 1).toBeLessThanOrEqual(MAX_BODY_DEPTH);
  });

  it('flags nesting beyond maxDepth once, at the first level too deep, without deep recursion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 40 }), (n, maxDepth) => {
        const issues = jsonLimitIssues(nested(n), { maxDepth });
        if (n <= maxDepth) expect(issues).toEqual([]);
        else {
          expect(issues).toHaveLength(1);
          expect(issues[0]?.path).toHaveLength(maxDepth);
          expect(issues[0]?.message).toMatch(`at most ${maxDepth} levels`);
        }
      }),
    );
    // A body JSON.parse accepts but no stack-bound walk could (100,000 levels).
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(checkJsonLimits(deep, { prefix: 'body' })).toHaveLength(1);
  });

  it('names each offending field by its dotted path under the prefix', () => {
    const value = {
      custom_rules: { limit: 1e300, tiny: 1e-300, ok: 3, list: ['fine', 'bad\ud800'] },
      'k\udc00': true,
    };
    expect(checkJsonLimits(value, { prefix: 'metadata' })).toEqual([
      { path: 'metadata.custom_rules.limit', message: expect.stringMatching(/magnitude/) },
      { path: 'metadata.custom_rules.tiny', message: expect.stringMatching(/1e-130/) },
      { path: 'metadata.custom_rules.list[1]', message: expect.stringMatching(/surrogate/) },
      { path: 'metadata.k\\uDC00', message: expect.stringMatching(/field name/) },
    ]);
  });

  it('refuses what is not JSON (values built in code)', () => {
    for (const v of [undefined, 1n, () => 1, Symbol('s'), new Date(0), new Map(), [undefined, 1]]) {
      expect(checkJsonLimits({ v }).length, String(v)).toBeGreaterThan(0);
    }
    expect(checkJsonLimits({ a: null, b: [true, 'x', 0], c: Object.create(null) })).toEqual([]);
  });

  it('caps the number of issues and the string size when asked', () => {
    const many = Array.from({ length: 500 }, () => '\ud800');
    expect(jsonLimitIssues(many)).toHaveLength(20);
    expect(jsonLimitIssues(many, { maxIssues: 3 })).toHaveLength(3);
    expect(checkJsonLimits({ s: 'é'.repeat(6) }, { maxStringBytes: 11 })).toEqual([
      { path: 's', message: 'must be at most 11 bytes (UTF-8)' },
    ]);
    expect(checkJsonLimits({ s: 'é'.repeat(5) }, { maxStringBytes: 10 })).toEqual([]);
  });

  it('assertJsonLimits throws the contract 400 naming every field, or returns the value', () => {
    const e = thrown(() => assertJsonLimits({ a: 1e300, b: '\ud800' }, { prefix: 'body' }));
    expect(e.status).toBe(400);
    expect(e.toBody().error.code).toBe('validation_failed');
    expect(issuesOf(e).map((i) => i.path)).toEqual(['body.a', 'body.b']);
    const ok = { a: [1, 'x'] };
    expect(assertJsonLimits(ok)).toBe(ok);
  });
});

describe('zod helpers', () => {
  it('indexKeyString(max) accepts exactly the well-formed strings of at most max UTF-8 bytes', () => {
    fc.assert(
      fc.property(trickyStrings, fc.integer({ min: 0, max: 40 }), (s, max) => {
        const expected = isWellFormedUnicode(s) && Buffer.byteLength(s, 'utf8') <= max;
        expect(indexKeyString(max).safeParse(s).success).toBe(expected);
      }),
    );
    const r = z.object({ tags: z.array(indexKeyString()) }).safeParse({ tags: ['ok', 'x'.repeat(3000)] });
    expect(r.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['tags', 1], `must be at most ${MAX_INDEXED_VALUE_BYTES} bytes (UTF-8); it is part of an index key`],
    ]);
  });

  it('wellFormedString(max) and idString()', () => {
    expect(wellFormedString().safeParse('x\ud800').success).toBe(false);
    expect(wellFormedString(3).safeParse('€').success).toBe(true);
    expect(wellFormedString(2).safeParse('€').success).toBe(false);
    expect(idString().safeParse('').success).toBe(false);
    expect(idString().safeParse('01J0000000000000000000000A').success).toBe(true);
    expect(idString().safeParse('x'.repeat(MAX_ID_BYTES + 1)).success).toBe(false);
  });

  it('jsonValue() and jsonObject() report limits at paths inside the surrounding schema', () => {
    const schema = z.object({ payload: jsonObject({ maxDepth: 3 }), extra: z.optional(jsonValue()) });
    const r = schema.safeParse({ payload: { a: { b: { c: {} } }, n: 1e300 }, extra: ['\udfff'] });
    expect(r.error?.issues.map((i) => i.path)).toEqual([
      ['payload', 'a', 'b', 'c'],
      ['payload', 'n'],
      ['extra', 0],
    ]);
    expect(schema.safeParse({ payload: { a: { b: [1] } } }).success).toBe(true);
    expect(jsonObject().safeParse([1]).success).toBe(false);
  });
});

describe('index key budgets hold for the keys the stores build', () => {
  const longestEntity = registry.map((s) => s.entity).sort((a, b) => b.length - a.length)[0] ?? '';
  const longestState = 'a'.repeat(32);
  const maxValue = '😀'.repeat(MAX_INDEXED_VALUE_BYTES / 4);
  const maxId = '😀'.repeat(MAX_ID_BYTES / 4);

  it('the longest state the registry allows is 32 characters of a-z and _', () => {
    expect(stateSchema.safeParse(longestState).success).toBe(true);
    expect(stateSchema.safeParse(`${longestState}a`).success).toBe(false);
  });

  it('a tag or feature at the cap keeps the _metadata_index partition key under 2,048 bytes', () => {
    expect(Buffer.byteLength(maxValue)).toBe(MAX_INDEXED_VALUE_BYTES);
    for (const kind of ['tag', 'feature'] as const) {
      const key = indexPartition(longestEntity, kind, maxValue, longestState);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(DYNAMODB_PARTITION_KEY_BYTES);
    }
  });

  it('an id at the cap keeps list and search sort keys under 1,024 bytes', () => {
    const listSk = `${new Date().toISOString()}#${maxId}`;
    expect(Buffer.byteLength(listSk)).toBeLessThanOrEqual(DYNAMODB_SORT_KEY_BYTES);
    // search word rows: `<term (≤ 32 chars)>#<type>#<id>`
    const searchSk = `${'😀'.repeat(32)}#${longestEntity}#${maxId}`;
    expect(Buffer.byteLength(searchSk)).toBeLessThanOrEqual(DYNAMODB_SORT_KEY_BYTES);
  });
});

describe('EventBridge limits', () => {
  it('detail-type: at most 128 characters, well-formed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(eventDetailType().safeParse(s).success).toBe(s.length <= EVENTBRIDGE_MAX_DETAIL_TYPE_CHARS);
      }),
    );
    const r = z.object({ type: eventDetailType() }).safeParse({ type: 'a'.repeat(129) });
    expect(r.error?.issues[0]?.path).toEqual(['type']);
    expect(r.error?.issues[0]?.message).toMatch(/128 characters/);
    expect(eventSource().safeParse('a'.repeat(256)).success).toBe(true);
    expect(eventSource().safeParse('a'.repeat(257)).success).toBe(false);
  });

  const envelope = (payload: Record<string, unknown>) =>
    buildEnvelope({
      type: 'campaign.created',
      service: 'campaign',
      environment: 'test',
      correlationId: 'corr-123456',
      actor: { id: 'u1', role: 'admin' },
      entity: { type: 'campaign', id: 'c1', version: 1 },
      payload,
    });

  it('counts an entry as EventBridge does (UTF-8 of source, detail-type, detail, resources, + 14 for Time)', () => {
    const entry = toEntry(envelope({ note: 'é😀' }), 'bus');
    const expected =
      Buffer.byteLength(entry.Source ?? '') +
      Buffer.byteLength(entry.DetailType ?? '') +
      Buffer.byteLength(entry.Detail ?? '') +
      14;
    expect(eventEntrySize(entry)).toBe(expected);
    expect(eventEntrySize({ Source: 's', DetailType: 't', Detail: '{}', Resources: ['arn:é'] })).toBe(
      1 + 1 + 2 + 6,
    );
    expect(eventEntrySize({})).toBe(0);
  });

  it('refuses an event over 256 KB with a 413 naming the field, and long types with a 400', () => {
    const big = envelope({ blob: 'x'.repeat(EVENTBRIDGE_MAX_ENTRY_BYTES) });
    const e = thrown(() => assertEventEntry(toEntry(big, 'bus')));
    expect(e.status).toBe(413);
    expect(e.details).toMatchObject({ limit: EVENTBRIDGE_MAX_ENTRY_BYTES, path: 'payload' });
    const small = envelope({ a: 1 });
    expect(() =>
      assertEventEntry({ Source: small.source, DetailType: small.type, Detail: JSON.stringify(small) }),
    ).not.toThrow();
    const long = thrown(() =>
      assertEventEntry({ Source: 'tempora.x', DetailType: 'a'.repeat(129), Detail: '{}' }),
    );
    expect(long.status).toBe(400);
    expect(issuesOf(long)).toEqual([{ path: 'type', message: expect.stringMatching(/128/) }]);
    const src = thrown(() =>
      assertEventEntry({ Source: 's'.repeat(257), DetailType: 't', Detail: '{}' }, { source: 'service' }),
    );
    expect(issuesOf(src)[0]?.path).toBe('service');
  });
});

describe('HTTP request limits', () => {
  it('bodies: 413 with { limit, size } above 256 KB', () => {
    expect(() => checkBodySize(MAX_JSON_BODY_BYTES)).not.toThrow();
    const e = thrown(() => checkBodySize(MAX_JSON_BODY_BYTES + 1));
    expect(e.status).toBe(413);
    expect(e.details).toEqual({ limit: MAX_JSON_BODY_BYTES, size: MAX_JSON_BODY_BYTES + 1 });
    expect(thrown(() => checkBodySize(11, 10)).details).toEqual({ limit: 10, size: 11 });
  });

  it('headers: per-header caps and the gateway total, named headers.<name>', () => {
    expect(
      headerIssues({ authorization: `Bearer ${'a'.repeat(100)}`, 'content-type': 'application/json' }),
    ).toEqual([]);
    // The token's size is the token check's (a 401 over 8 KB), not counted here.
    expect(headerIssues({ Authorization: 'a'.repeat(20_000) })).toEqual([]);
    expect(headerIssues({ 'if-match': '1'.repeat(65) })[0]?.path).toBe('headers.if-match');
    const total = headerIssues({ a: 'x'.repeat(6000), b: 'y'.repeat(6000), c: undefined });
    expect(total).toEqual([
      { path: 'headers', message: `header values must total at most ${MAX_HEADERS_BYTES} bytes` },
    ]);
  });

  it('path and query parameters: well-formed and bounded', () => {
    expect(parameterIssues({ id: 'x'.repeat(MAX_ID_BYTES) }, 'path')).toEqual([]);
    expect(parameterIssues({ id: 'x'.repeat(MAX_ID_BYTES + 1) }, 'path')[0]?.path).toBe('path.id');
    expect(parameterIssues({ cursor: 'c'.repeat(2049) }, 'query')[0]?.path).toBe('query.cursor');
    expect(parameterIssues({ tag: 'a\ud800' }, 'query')[0]?.message).toMatch(/surrogate/);
    expect(parameterIssues(null, 'query')).toEqual([]);
  });

  it('assertRequestLimits: one 400 naming every field; never anything but a TemporaError', () => {
    const e = thrown(() =>
      assertRequestLimits({
        headers: { 'if-match': '1'.repeat(100) },
        pathParameters: { id: 'i'.repeat(300) },
        queryStringParameters: { q: '\udc00' },
      }),
    );
    expect(e.status).toBe(400);
    expect(issuesOf(e).map((i) => i.path)).toEqual(['headers.if-match', 'path.id', 'query.q']);
    fc.assert(
      fc.property(
        fc.dictionary(anyCodeUnits, anyCodeUnits, { maxKeys: 4 }),
        fc.dictionary(anyCodeUnits, anyCodeUnits, { maxKeys: 4 }),
        (headers, query) => {
          try {
            assertRequestLimits({ headers, queryStringParameters: query, pathParameters: undefined });
          } catch (err) {
            expect(isTemporaError(err) && err.status === 400).toBe(true);
          }
        },
      ),
    );
  });
});
