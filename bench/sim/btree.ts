/**
 * sorted-btree's B+ tree (a sorted map: O(log n) set/delete, ordered iteration from a key), for
 * the simulation's large index partitions and its due schedules. It is CommonJS with
 * `exports.default`: under Node's ESM loader the default import is the exports object, so the
 * class is its `default`.
 */
import sortedBtree from 'sorted-btree';

type Ctor = typeof import('sorted-btree').default;
export const BTree: Ctor = (sortedBtree as unknown as { default: Ctor }).default;
export type BTree<K, V> = import('sorted-btree').default<K, V>;
