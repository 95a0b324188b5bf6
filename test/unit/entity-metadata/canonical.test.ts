import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, idempotencyKey } from '../../../lib/entity-metadata/index.ts';

/** Rebuild `value` with every object's keys in a seeded random order. */
function shuffleKeys(value: unknown, seed: number): unknown {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i > 0; i -= 1) {
      const j = Math.floor(next() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

describe('canonicalJson', () => {
  it('is independent of key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const shuffled = shuffleKeys(value, seed);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
        expect(idempotencyKey(shuffled)).toBe(idempotencyKey(value));
      }),
    );
  });

  it('round-trips to the same JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('sorts keys recursively, keeps array order, drops undefined, has no whitespace', () => {
    const doc = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null, u: undefined }, e: 'x y' };
    expect(canonicalJson(doc)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1,"e":"x y"}');
  });

  it('sorts keys by code unit, integer-like keys included', () => {
    expect(canonicalJson({ b: 3, '2': 2, '10': 1, B: 4 })).toBe('{"10":1,"2":2,"B":4,"b":3}');
  });

  it('serializes values the way JSON.stringify does', () => {
    const date = new Date('2025-06-01T00:00:00Z');
    const values = [undefined, () => 1, Number.NaN, -0, 1e21, 'é"\n\u0001\\', '\ud800', '😀', date];
    expect(canonicalJson(values)).toBe(JSON.stringify(values));
    expect(canonicalJson({ f: () => 1, s: Symbol('s'), d: date })).toBe(`{"d":${JSON.stringify(date)}}`);
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('throws on cycles and BigInt, like JSON.stringify', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: [shared] })).toBe('{"x":{"a":1},"y":[{"a":1}]}');
  });
});

describe('idempotencyKey', () => {
  it('is the SHA-256 hex of the canonical JSON', () => {
    const expected = createHash('sha256').update('{"a":1,"b":[true,null,"x"],"c":{"d":"é"}}').digest('hex');
    expect(idempotencyKey({ c: { d: 'é' }, b: [true, null, 'x'], a: 1 })).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for different documents', () => {
    const keys = [
      { tags: ['a', 'b'] },
      { tags: ['b', 'a'] },
      { tags: ['a'] },
      { tags: 'a' },
      { tags: ['a', 'b'], features: [] },
      { scheduling: { frequency: 1 } },
      { scheduling: { frequency: '1' } },
      {},
      [],
      null,
    ].map(idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is equal for equal documents written in a different key order', () => {
    expect(idempotencyKey({ a: 1, b: { c: 2, d: 3 } })).toBe(idempotencyKey({ b: { d: 3, c: 2 }, a: 1 }));
  });
});
