import { describe, expect, it } from 'vitest';
import {
  type ChainNode,
  checkExtends,
  effectiveMetadata,
  MAX_CHAIN_DEPTH,
  resolveChain,
} from '../../../lib/records/resolve.ts';

const node = (name: string, extra: Partial<ChainNode> = {}): ChainNode => ({
  type: 'object',
  name,
  strategy: 'merge',
  metadata: {},
  ...extra,
});

const lookupOf = (nodes: ChainNode[]) => {
  const byRef = new Map(nodes.map((n) => [`${n.type}/${n.name}`, n]));
  return async (ref: string) => byRef.get(ref);
};

describe('resolveChain / effectiveMetadata', () => {
  it('merges base first, the record last (objects merged, arrays replaced)', async () => {
    const base = node('base', {
      metadata: { tags: ['a', 'b'], custom_rules: { x: 1, y: 1 }, features: ['f'] },
    });
    const mid = node('mid', { extends: 'object/base', metadata: { custom_rules: { y: 2 } } });
    const leaf = node('leaf', { extends: 'object/mid', metadata: { tags: ['c'], custom_rules: { z: 3 } } });
    const { chain, warnings } = await resolveChain(leaf, lookupOf([base, mid, leaf]));
    expect(chain.map((n) => n.name)).toEqual(['base', 'mid', 'leaf']);
    expect(warnings).toEqual([]);
    expect(effectiveMetadata(chain)).toEqual({
      tags: ['c'],
      custom_rules: { x: 1, y: 2, z: 3 },
      features: ['f'],
    });
  });

  it('stops at a record whose strategy is replace (its own metadata, nothing below)', async () => {
    const base = node('base', { metadata: { tags: ['base'] } });
    const mid = node('mid', { extends: 'object/base', strategy: 'replace', metadata: { features: ['m'] } });
    const leaf = node('leaf', { extends: 'object/mid', metadata: { custom_rules: { k: 1 } } });
    const lookup = lookupOf([base, mid, leaf]);
    const r = await resolveChain(leaf, lookup);
    expect(r.chain.map((n) => n.name)).toEqual(['mid', 'leaf']);
    expect(effectiveMetadata(r.chain)).toEqual({ features: ['m'], custom_rules: { k: 1 } });
    const own = await resolveChain(node('solo', { extends: 'object/base', strategy: 'replace' }), lookup);
    expect(own.chain.map((n) => n.name)).toEqual(['solo']);
  });

  it('reports a missing base and resolves what exists', async () => {
    const leaf = node('leaf', { extends: 'object/gone', metadata: { tags: ['x'] } });
    const r = await resolveChain(leaf, lookupOf([leaf]));
    expect(r.chain).toEqual([leaf]);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'missing_base', ref: 'object/gone' })]);
  });

  it('detects a cycle defensively at read time', async () => {
    const a = node('a', { extends: 'object/b', metadata: { tags: ['a'] } });
    const b = node('b', { extends: 'object/a', metadata: { tags: ['b'], features: ['fb'] } });
    const r = await resolveChain(a, lookupOf([a, b]));
    expect(r.chain.map((n) => n.name)).toEqual(['b', 'a']);
    expect(r.warnings[0]).toMatchObject({
      code: 'cycle',
      message: expect.stringContaining('object/a → object/b → object/a'),
    });
    expect(effectiveMetadata(r.chain)).toEqual({ tags: ['a'], features: ['fb'] });
  });

  it('follows at most MAX_CHAIN_DEPTH links', async () => {
    const nodes = Array.from({ length: MAX_CHAIN_DEPTH + 3 }, (_, i) =>
      node(`n${i}`, i === MAX_CHAIN_DEPTH + 2 ? {} : { extends: `object/n${i + 1}` }),
    );
    const r = await resolveChain(nodes[0] as ChainNode, lookupOf(nodes));
    expect(r.chain).toHaveLength(MAX_CHAIN_DEPTH + 1);
    expect(r.warnings[0]?.code).toBe('depth_exceeded');
  });
});

describe('checkExtends (write time)', () => {
  const key = { type: 'object', name: 'a' };

  it('accepts no base and an existing base', async () => {
    expect(await checkExtends(key, undefined, lookupOf([]))).toBeUndefined();
    expect(await checkExtends(key, 'object/b', lookupOf([node('b')]))).toBeUndefined();
  });

  it('rejects a missing base', async () => {
    expect(await checkExtends(key, 'object/b', lookupOf([]))).toEqual({
      path: 'extends',
      message: 'refers to object/b, which does not exist',
    });
  });

  it('tolerates a missing record further down (resolution reports it)', async () => {
    expect(
      await checkExtends(key, 'object/b', lookupOf([node('b', { extends: 'object/gone' })])),
    ).toBeUndefined();
  });

  it('rejects a self reference and a cycle, naming the path', async () => {
    expect((await checkExtends(key, 'object/a', lookupOf([])))?.message).toBe(
      'would create a cycle: object/a → object/a',
    );
    const b = node('b', { extends: 'object/a' });
    expect((await checkExtends(key, 'object/b', lookupOf([b])))?.message).toBe(
      'would create a cycle: object/a → object/b → object/a',
    );
  });

  it('follows links whatever the strategy', async () => {
    const b = node('b', { extends: 'object/a', strategy: 'replace' });
    expect((await checkExtends(key, 'object/b', lookupOf([b])))?.message).toMatch(/cycle/);
  });

  it('rejects a base leading into another cycle', async () => {
    const b = node('b', { extends: 'object/c' });
    const c = node('c', { extends: 'object/b' });
    expect((await checkExtends(key, 'object/b', lookupOf([b, c])))?.message).toBe(
      'leads into a cycle: object/a → object/b → object/c → object/b',
    );
  });

  it('rejects chains deeper than the limit and accepts exactly the limit', async () => {
    const chain = (links: number) =>
      Array.from({ length: links }, (_, i) =>
        node(`n${i + 1}`, i + 1 < links ? { extends: `object/n${i + 2}` } : {}),
      );
    expect(await checkExtends(key, 'object/n1', lookupOf(chain(MAX_CHAIN_DEPTH)))).toBeUndefined();
    expect((await checkExtends(key, 'object/n1', lookupOf(chain(MAX_CHAIN_DEPTH + 1))))?.message).toMatch(
      /deeper than 10 links/,
    );
  });
});
