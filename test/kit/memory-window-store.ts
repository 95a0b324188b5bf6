/**
 * An in-memory {@link WindowCounterStore} with the DynamoDB store's semantics (the connection's
 * lookup item, lib/broadcast/connections.ts `windowStore`), for unit tests of the rate limiter (lib/broadcast/rate-limit.ts).
 */
import type { IncrementResult, ResetResult, WindowCounterStore } from '../../lib/broadcast/rate-limit.ts';

export class MemoryWindowStore<T> implements WindowCounterStore<T> {
  readonly #items = new Map<string, { window: number; count: number; record: T }>();

  add(key: string, record: T): void {
    this.#items.set(key, { window: -1, count: 0, record });
  }

  delete(key: string): void {
    this.#items.delete(key);
  }

  async increment(key: string, window: number): Promise<IncrementResult<T>> {
    const item = this.#items.get(key);
    if (item === undefined) return 'missing';
    if (item.window !== window) return 'stale';
    item.count += 1;
    return { count: item.count, record: item.record };
  }

  async reset(key: string, window: number): Promise<ResetResult<T>> {
    const item = this.#items.get(key);
    if (item === undefined) return 'missing';
    if (item.window >= window) return 'conflict';
    item.window = window;
    item.count = 1;
    return { count: 1, record: item.record };
  }
}
