/**
 * The in-Lambda read cache: entries live `ttlMs` (0 disables the cache) and the cache holds
 * at most `maxEntries` (oldest inserted evicted first). It only stores: whether an entry may be
 * served is its user's decision (the records service checks each against the table's current
 * stamp first: lib/records/reads.ts).
 */
export const DEFAULT_CACHE_TTL_MS = 5000;
export const DEFAULT_CACHE_MAX_ENTRIES = 1000;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly ttlMs: number = DEFAULT_CACHE_TTL_MS,
    readonly maxEntries: number = DEFAULT_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** The cached value, or `load()`'s result cached (undefined results are not cached). */
  async getOrLoad(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = await load();
    if (v !== undefined) this.set(key, v);
    return v;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
