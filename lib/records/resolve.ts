/**
 * `extends` chains (pure, over an injected lookup): effective metadata resolution at read
 * time and the write-time checks (missing base, cycle, depth).
 *
 * - Resolution walks from the record to its bases while the current record's `strategy` is
 *   `merge`; a `replace` record stops the chain (its own metadata, nothing below it). The
 *   effective metadata is the deep merge of the chain, base first, the record last.
 * - Write-time checks follow every `extends` link whatever the strategy (a strategy can change
 *   later; a structural cycle is rejected either way).
 */

import { type Metadata, mergeMetadata } from '../entity-metadata/index.ts';
import type { FieldIssue } from '../errors.ts';
import { type RecordKey, refOf, type Strategy } from './contract.ts';

/** Most `extends` links followed from a record (so a chain holds at most 11 records). */
export const MAX_CHAIN_DEPTH = 10;

/** What resolution needs of a record. */
export interface ChainNode extends RecordKey {
  extends?: string;
  strategy: Strategy;
  metadata: Metadata;
}

export type ChainLookup<T> = (ref: string) => Promise<T | undefined>;

export interface ResolveWarning {
  code: 'missing_base' | 'cycle' | 'depth_exceeded';
  /** The reference that could not be followed. */
  ref: string;
  message: string;
}

export interface Resolution<T extends ChainNode> {
  /** The records merged, base first, the record itself last. */
  chain: T[];
  /** Why the chain stopped early (data changed after the write-time checks, see docs). */
  warnings: ResolveWarning[];
}

/**
 * Walk the chain of `start` (base records fetched with `lookup`). Never throws on bad data:
 * a missing base, a cycle or a chain deeper than `maxDepth` stops the walk with a warning.
 */
export async function resolveChain<T extends ChainNode>(
  start: T,
  lookup: ChainLookup<T>,
  maxDepth = MAX_CHAIN_DEPTH,
): Promise<Resolution<T>> {
  const nodes: T[] = [start];
  const seen: string[] = [refOf(start)];
  const warnings: ResolveWarning[] = [];
  let current = start;
  while (current.strategy === 'merge' && current.extends) {
    const ref = current.extends;
    if (seen.includes(ref)) {
      warnings.push({
        code: 'cycle',
        ref,
        message: `extends chain has a cycle: ${[...seen, ref].join(' → ')}`,
      });
      break;
    }
    if (nodes.length > maxDepth) {
      warnings.push({
        code: 'depth_exceeded',
        ref,
        message: `extends chain is deeper than ${maxDepth} links; resolved the first ${maxDepth}`,
      });
      break;
    }
    const next = await lookup(ref);
    if (!next) {
      warnings.push({
        code: 'missing_base',
        ref,
        message: `${refOf(current)} extends ${ref}, which does not exist`,
      });
      break;
    }
    nodes.push(next);
    seen.push(ref);
    current = next;
  }
  return { chain: nodes.reverse(), warnings };
}

/** Deep merge of a chain's metadata, base first (objects merged, arrays replaced, later wins). */
export function effectiveMetadata(chainBaseFirst: ReadonlyArray<{ metadata: Metadata }>): Metadata {
  return chainBaseFirst.reduce<Metadata>((acc, node) => mergeMetadata(acc, node.metadata), {});
}

/**
 * Write-time check of `key` extending `base`: the base must exist, following links from it
 * must not come back to `key` (or run into any other cycle) and must end within `maxDepth`
 * links. Returns the issue (path `extends`) or undefined. A missing record further down the
 * chain (a base of the base deleted later) is not an error here; resolution reports it.
 */
export async function checkExtends(
  key: RecordKey,
  base: string | undefined,
  lookup: ChainLookup<{ extends?: string }>,
  maxDepth = MAX_CHAIN_DEPTH,
): Promise<FieldIssue | undefined> {
  if (!base) return undefined;
  const self = refOf(key);
  const path = [self];
  let next: string | undefined = base;
  while (next) {
    if (next === self) {
      return { path: 'extends', message: `would create a cycle: ${[...path, next].join(' → ')}` };
    }
    if (path.includes(next)) {
      return { path: 'extends', message: `leads into a cycle: ${[...path, next].join(' → ')}` };
    }
    if (path.length > maxDepth) {
      return {
        path: 'extends',
        message: `chain would be deeper than ${maxDepth} links (${[...path, next].join(' → ')})`,
      };
    }
    const node = await lookup(next);
    if (!node) {
      if (path.length === 1) return { path: 'extends', message: `refers to ${next}, which does not exist` };
      return undefined;
    }
    path.push(next);
    next = node.extends;
  }
  return undefined;
}
