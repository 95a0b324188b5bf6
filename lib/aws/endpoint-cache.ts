/**
 * What a bundled Lambda gets in place of `@aws-sdk/endpoint-cache` (infra/bundling.ts aliases
 * it here). DynamoDB's client builds an endpoint-discovery cache at construction and looks it up
 * on every request, but fills it only when endpoint discovery is enabled (it is not: Tempora
 * never sets `endpointDiscoveryEnabled` nor `AWS_ENABLE_ENDPOINT_DISCOVERY`). The SDK's cache is
 * an LRU from mnemonist (~7.5 KB minified with its iterator helpers, in every bundle); this
 * is the same cache on a Map, bounded first-in first-out. test/unit/aws/endpoint-cache.test.ts runs
 * the same operations on both. Outside a bundle (tests, scripts) the SDK's own applies.
 */

export interface Endpoint {
  Address: string | undefined;
  CachePeriodInMinutes: number | undefined;
}
export interface EndpointWithExpiry {
  Address: string;
  Expires: number;
}

export class EndpointCache {
  private readonly cache = new Map<string, EndpointWithExpiry[]>();

  constructor(private readonly capacity: number) {}

  /** A random live address for `key`, or undefined. */
  getEndpoint(key: string): string | undefined {
    const endpoints = this.get(key);
    if (!endpoints || endpoints.length === 0) return undefined;
    return endpoints[Math.floor(Math.random() * endpoints.length)]!.Address;
  }

  /** The live (unexpired) endpoints of `key`; an all-expired entry is emptied. */
  get(key: string): EndpointWithExpiry[] | undefined {
    if (!this.has(key)) return undefined;
    const now = Date.now();
    const live = this.cache.get(key)!.filter((e) => now < e.Expires);
    if (live.length === 0) {
      this.delete(key);
      return undefined;
    }
    return live;
  }

  set(key: string, endpoints: Endpoint[]): void {
    const now = Date.now();
    if (!this.cache.has(key) && this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(
      key,
      endpoints.map(({ Address, CachePeriodInMinutes }) => ({
        Address: Address as string,
        Expires: now + (CachePeriodInMinutes as number) * 60 * 1000,
      })),
    );
  }

  delete(key: string): void {
    this.cache.set(key, []);
  }

  has(key: string): boolean {
    const endpoints = this.cache.get(key);
    return endpoints !== undefined && endpoints.length > 0;
  }

  clear(): void {
    this.cache.clear();
  }
}
