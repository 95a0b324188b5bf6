/** The console's hash routes (pure: unit-tested in test/unit/console.test.ts). */
export type RouteState =
  | { view: 'graph' }
  | { view: 'campaign'; id: string }
  | { view: 'entity'; type: string; id: string }
  | { view: 'policies' }
  | { view: 'ask' }
  | { view: 'unknown'; hash: string };

/** A percent-decoded path segment (kept as it is when it is not valid percent-encoding). */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function parseRoute(hash: string): RouteState {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeSegment);
  const [head, a, b] = parts;
  if (!head || head === 'graph') return { view: 'graph' };
  if (head === 'campaigns' && a && parts.length === 2) return { view: 'campaign', id: a };
  if (head === 'entities' && a && b && parts.length === 3) return { view: 'entity', type: a, id: b };
  if (head === 'policies') return { view: 'policies' };
  if (head === 'ask') return { view: 'ask' };
  return { view: 'unknown', hash };
}
