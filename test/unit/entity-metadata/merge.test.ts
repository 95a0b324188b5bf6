import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendAudit,
  deepMerge,
  MAX_AUDIT_HISTORY,
  type Metadata,
  mergeMetadata,
  parseMetadata,
} from '../../../lib/entity-metadata/index.ts';

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

// ---------------------------------------------------------------------------------------
// Arbitraries: JSON-like metadata documents.
//
// A given path always holds the same kind of value (object vs. non-object) across the
// generated documents, as it does in schema-valid metadata. That is what associativity
// needs: if `b` replaced an object by a scalar that `c` turns back into an object,
// merge(merge(a,b),c) would forget `a`'s keys while merge(a,merge(b,c)) keeps them.
// ---------------------------------------------------------------------------------------

const safeKey = fc.string({ maxLength: 6 }).filter((k) => !FORBIDDEN.includes(k));
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** A value merge treats as a whole (replaced, never merged). */
const leaf = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.array(fc.dictionary(safeKey, scalar)));

type Tree = { [key: string]: unknown };
/** Nested objects where keys `a`..`c` hold leaves and `x`, `y` hold sub-objects. */
const { tree } = fc.letrec<{ tree: Tree; child: Tree }>((tie) => ({
  tree: fc.record({ a: leaf, b: leaf, c: leaf, x: tie('child'), y: tie('child') }, { requiredKeys: [] }),
  child: fc.oneof({ maxDepth: 3, depthSize: 'small' }, fc.constant({}), tie('tree')),
}));

const time = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const words = fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 });
const opt = { requiredKeys: [] as [] };

const metadataArb: fc.Arbitrary<Metadata> = fc.record(
  {
    scheduling: fc.record(
      {
        frequency: fc.integer({ min: 1, max: 50 }),
        start_time: time,
        end_time: time,
        timezone: fc.constantFrom('UTC', 'Europe/Paris'),
        extra: tree,
      },
      opt,
    ),
    features: words,
    custom_rules: fc.dictionary(safeKey, leaf, { maxKeys: 4 }),
    audit: fc.record(
      {
        created_by: fc.string(),
        history: fc.array(fc.oneof(time, fc.record({ at: time, actor: fc.string(), action: fc.string() })), {
          maxLength: 3,
        }),
      },
      opt,
    ),
    tags: words,
    service_specific: fc.record(
      {
        campaign: fc.record(
          {
            broadcast_enabled: fc.boolean(),
            leaderboard: fc.array(fc.record({ user: fc.string(), score: fc.integer() }), { maxLength: 3 }),
          },
          opt,
        ),
        content: fc.record({ topics: words, editor_mode: fc.string() }, opt),
        custom_ns: tree,
      },
      opt,
    ),
    knowledge_graph: fc.record({ pattern: fc.string(), dependencies: words, more: tree }, opt),
    extension: tree, // a non-canonical top-level key, as lenient mode keeps
  },
  opt,
);

// ---------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return isObject(v) && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (isObject(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Write into every object and array of `value`: throws if any of them is frozen (shared with an input). */
function mutateEverywhere(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) mutateEverywhere(v);
    value.push('mutated');
  } else if (isPlainObject(value)) {
    for (const v of Object.values(value)) mutateEverywhere(v);
    value.__mutated = true;
  }
}

/** [path, value] of every non-object value (scalar, null, array) reachable through plain objects. */
function leafPaths(value: unknown, path: string[] = []): Array<[string[], unknown]> {
  if (!isPlainObject(value)) return [[path, value]];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
}

function at(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), value);
}

describe('mergeMetadata: properties', () => {
  it('has {} as identity on both sides', () => {
    fc.assert(
      fc.property(metadataArb, (a) => {
        expect(mergeMetadata(a, {})).toEqual(a);
        expect(mergeMetadata({}, a)).toEqual(a);
      }),
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(metadataArb, metadataArb, metadataArb, (a, b, c) => {
        expect(mergeMetadata(mergeMetadata(a, b), c)).toEqual(mergeMetadata(a, mergeMetadata(b, c)));
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(metadataArb, (a) => {
        expect(mergeMetadata(a, a)).toEqual(a);
      }),
    );
  });

  it('lets the update win: every leaf of the update is in the result, arrays included', () => {
    fc.assert(
      fc.property(metadataArb, metadataArb, (a, b) => {
        const merged = mergeMetadata(a, b);
        for (const [path, value] of leafPaths(b)) expect(at(merged, path)).toEqual(value);
      }),
    );
  });

  it('keeps every leaf of the base the update does not touch', () => {
    fc.assert(
      fc.property(metadataArb, metadataArb, (a, b) => {
        const merged = mergeMetadata(a, b);
        for (const [path, value] of leafPaths(a)) {
          if (at(b, path) === undefined) expect(at(merged, path)).toEqual(value);
        }
      }),
    );
  });

  it('never mutates its inputs, and shares no mutable structure with them', () => {
    fc.assert(
      fc.property(metadataArb, metadataArb, (a, b) => {
        const snapshot = structuredClone([a, b]);
        const merged = mergeMetadata(deepFreeze(a), deepFreeze(b));
        expect([a, b]).toEqual(snapshot);
        expect(() => mutateEverywhere(merged)).not.toThrow();
      }),
    );
  });

  it('drops prototype-pollution keys wherever they appear', () => {
    fc.assert(
      // `k` must not collide with the fixture's own keys `m` and `n`.
      fc.property(
        metadataArb,
        fc.constantFrom(...FORBIDDEN),
        safeKey.filter((k) => k !== 'm' && k !== 'n'),
        (a, bad, k) => {
          const update = JSON.parse(
            `{"${bad}": {"polluted": true}, "n": {"${bad}": {"polluted": true}, "k": 1}}`,
          );
          const base = JSON.parse(`{"${bad}": {"polluted": true}, "m": {"${bad}": 1}}`);
          const merged: Record<string, unknown> = deepMerge({ ...a, ...base, [k]: 1 }, update);
          for (const obj of [merged, merged.n, merged.m]) {
            expect(Object.hasOwn(obj as object, bad)).toBe(false);
            expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
    );
  });
});

describe('mergeMetadata: examples', () => {
  it('deep-merges objects; the update wins for scalars', () => {
    expect(
      mergeMetadata(
        {
          scheduling: { frequency: 5, start_time: '2025-06-01T00:00:00Z' },
          custom_rules: { max_participants: 10 },
        },
        { scheduling: { frequency: 10 }, custom_rules: { reward_tier: 'gold' } },
      ),
    ).toEqual({
      scheduling: { frequency: 10, start_time: '2025-06-01T00:00:00Z' },
      custom_rules: { max_participants: 10, reward_tier: 'gold' },
    });
  });

  it('replaces arrays instead of concatenating them', () => {
    const merged = mergeMetadata(
      { tags: ['a', 'b'], service_specific: { campaign: { leaderboard: [{ user: 'x', score: 1 }] } } },
      { tags: ['c'], service_specific: { campaign: { leaderboard: [] } } },
    );
    expect(merged).toEqual({ tags: ['c'], service_specific: { campaign: { leaderboard: [] } } });
  });

  it('ignores undefined in the update, at any depth', () => {
    expect(
      mergeMetadata(
        { tags: ['a'], scheduling: { frequency: 2, cron: 'x' } },
        { tags: undefined, scheduling: { frequency: undefined, cron: 'y' } },
      ),
    ).toEqual({ tags: ['a'], scheduling: { frequency: 2, cron: 'y' } });
  });

  it('lets null and scalars replace objects (the update wins)', () => {
    expect(deepMerge({ a: { b: 1 }, c: 1 }, { a: null, c: { d: 1 } })).toEqual({ a: null, c: { d: 1 } });
  });

  it('returns a fresh copy even when one side is empty', () => {
    const base: Metadata = { tags: ['a'], scheduling: { frequency: 1 } };
    const merged = mergeMetadata(base, {});
    expect(merged).toEqual(base);
    expect(merged.tags).not.toBe(base.tags);
    expect(merged.scheduling).not.toBe(base.scheduling);
  });

  it('does not pollute Object.prototype through constructor.prototype', () => {
    const evil = JSON.parse(
      '{"constructor": {"prototype": {"polluted": true}}, "__proto__": {"polluted": true}}',
    );
    const merged = deepMerge<Record<string, unknown>>({}, evil);
    expect(merged).toEqual({});
    expect(Object.keys(merged)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('appendAudit', () => {
  const at = '2025-06-01T00:00:00.000Z';

  it('starts an audit trail', () => {
    expect(appendAudit({ tags: ['t'] }, { actor: 'alice', action: 'create', at })).toEqual({
      tags: ['t'],
      audit: {
        created_by: 'alice',
        last_modified_by: 'alice',
        history: [{ at, actor: 'alice', action: 'create' }],
      },
    });
  });

  it('keeps created_by and earlier history, without mutating the input', () => {
    const meta = deepFreeze<Metadata>({ audit: { created_by: 'admin', history: ['2025-05-01T12:00:00Z'] } });
    const out = appendAudit(meta, { actor: 'bob', action: 'update', at });
    expect(out.audit).toEqual({
      created_by: 'admin',
      last_modified_by: 'bob',
      history: ['2025-05-01T12:00:00Z', { at, actor: 'bob', action: 'update' }],
    });
    expect(meta.audit?.history).toHaveLength(1);
    expect(() => parseMetadata(out)).not.toThrow();
  });

  it(`keeps only the last ${MAX_AUDIT_HISTORY} entries`, () => {
    let meta: Metadata = {};
    for (let i = 0; i < MAX_AUDIT_HISTORY + 10; i += 1) {
      meta = appendAudit(meta, { actor: `u${i}`, action: 'update', at });
    }
    const history = meta.audit?.history ?? [];
    expect(history).toHaveLength(MAX_AUDIT_HISTORY);
    expect(history[0]).toEqual({ at, actor: 'u10', action: 'update' });
    expect(history.at(-1)).toEqual({ at, actor: `u${MAX_AUDIT_HISTORY + 9}`, action: 'update' });
    expect(meta.audit?.created_by).toBe('u0');
    expect(meta.audit?.last_modified_by).toBe(`u${MAX_AUDIT_HISTORY + 9}`);
  });
});
