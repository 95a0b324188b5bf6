/**
 * lib/aws/endpoint-cache.ts stands in for `@aws-sdk/endpoint-cache` in every bundle
 * (infra/bundling.ts): the same operations give the same answers as the SDK's own cache.
 */
import { EndpointCache as SdkEndpointCache } from '@aws-sdk/endpoint-cache';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LAMBDA_BUNDLE } from '../../../infra/bundling.ts';
import { EndpointCache } from '../../../lib/aws/endpoint-cache.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('the endpoint-discovery cache of the bundles', () => {
  it('is what infra/bundling.ts swaps in', () => {
    expect(LAMBDA_BUNDLE.alias['@aws-sdk/endpoint-cache']).toBe('./lib/aws/endpoint-cache.ts');
  });

  it('answers as the SDK cache does: empty, set, expiry, delete, clear', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ours = new EndpointCache(10);
    const sdk = new SdkEndpointCache(10);
    const both = <T>(f: (c: EndpointCache | SdkEndpointCache) => T) => {
      const [a, b] = [f(ours), f(sdk)];
      expect(a).toEqual(b);
      return a;
    };
    both((c) => c.getEndpoint('k'));
    both((c) => c.has('k'));
    both((c) => c.get('k'));
    both((c) => c.set('k', [{ Address: 'a.example', CachePeriodInMinutes: 1 }]));
    expect(both((c) => c.getEndpoint('k'))).toBe('a.example');
    both((c) => c.has('k'));
    both((c) => c.get('k'));
    vi.advanceTimersByTime(61_000);
    expect(both((c) => c.get('k'))).toBeUndefined();
    both((c) => c.has('k'));
    both((c) => c.set('j', [{ Address: 'b.example', CachePeriodInMinutes: 5 }]));
    both((c) => c.delete('j'));
    both((c) => c.has('j'));
    both((c) => c.getEndpoint('j'));
    both((c) => c.set('i', [{ Address: 'c.example', CachePeriodInMinutes: 5 }]));
    both((c) => c.clear());
    both((c) => c.getEndpoint('i'));
  });

  it('stays within its capacity', () => {
    const ours = new EndpointCache(2);
    for (const k of ['a', 'b', 'c']) ours.set(k, [{ Address: k, CachePeriodInMinutes: 5 }]);
    expect([ours.has('a'), ours.has('b'), ours.has('c')]).toEqual([false, true, true]);
  });
});
