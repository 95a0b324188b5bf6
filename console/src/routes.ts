/** The console's hash routes (pure: unit-tested in test/unit/console/console.test.ts). */
export type RouteState =
  | { view: 'graph' }
  | { view: 'campaign'; id: string }
  | { view: 'entity'; type: string; id: string }
  | { view: 'policies' }
  | { view: 'ask' }
  | { view: 'intents'; filter: Record<string, string> }
  | { view: 'unknown'; hash: string };

/** A percent-decoded path segment (kept as it is when it is not valid percent-encoding). */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The search filters of `#/intents?status=scheduled&pattern=…` (unknown names are kept: the API refuses them). */
function filterOf(query: string | undefined): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(query ?? '').entries());
}

export function parseRoute(hash: string): RouteState {
  const [path = '', query] = hash.split('?', 2);
  if (/^#\/?intents\/?$/.test(path)) return { view: 'intents', filter: filterOf(query) };
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeSegment);
  const [head, a, b] = parts;
  if (!head || head === 'graph') return { view: 'graph' };
  if (head === 'campaigns' && a && parts.length === 2) return { view: 'campaign', id: a };
  if (head === 'entities' && a && b && parts.length === 3) return { view: 'entity', type: a, id: b };
  if (head === 'policies') return { view: 'policies' };
  if (head === 'ask') return { view: 'ask' };
  return { view: 'unknown', hash };
}
