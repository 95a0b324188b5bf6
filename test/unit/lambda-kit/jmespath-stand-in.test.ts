/**
 * lib/lambda-kit/jmespath/ stands in for @aws-lambda-powertools/jmespath in every bundle
 * (infra/bundling.ts): it must give what the real library gives for every expression lib/
 * hands Powertools idempotency, and refuse anything that is not a plain field path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE } from '../../../infra/bundling.ts';
import { search } from '../../../lib/lambda-kit/jmespath/search.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
// The real library, as Powertools idempotency resolves it (its own nested copy).
const fromIdempotency = createRequire(
  createRequire(import.meta.url).resolve('@aws-lambda-powertools/idempotency'),
);
const real = (await import(
  pathToFileURL(fromIdempotency.resolve('@aws-lambda-powertools/jmespath')).href
)) as {
  search: (expression: string, data: unknown) => unknown;
};

/** Every `…JmesPath: '<expression>'` in lib/. */
function expressionsInLib(): string[] {
  const found = new Set<string>();
  const scan = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, f.name);
      if (f.isDirectory()) scan(p);
      else if (f.name.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/JmesPath:\s*'([^']*)'/g)) found.add(m[1]!);
    }
  };
  scan(join(ROOT, 'lib'));
  return [...found];
}

const samples: unknown[] = [
  { key: 'POST /api/campaigns|u1|k1', request: { path: '/api/campaigns', body: { a: 1 } }, id: '01J' },
  { key: null, request: { path: '/x', body: null } },
  { id: 'evt-1', type: 'campaign.created', detail: { nested: { deep: [1, 2] } } },
  {},
  [1, 2],
  'text',
  null,
];

describe('the JMESPath stand-in of the bundles', () => {
  it('is what infra/bundling.ts swaps in', () => {
    expect(LAMBDA_BUNDLE.alias['@aws-lambda-powertools/jmespath']).toBe('./lib/lambda-kit/jmespath');
  });

  it('evaluates every expression lib/ uses exactly as @aws-lambda-powertools/jmespath does', () => {
    const expressions = expressionsInLib();
    expect(expressions).toEqual(expect.arrayContaining(['key', 'request', 'id']));
    for (const e of [...expressions, 'detail.nested', 'detail.nested.deep', 'detail.missing.x', 'type'])
      for (const data of samples)
        expect(search(e, data), `${e} on ${JSON.stringify(data)}`).toEqual(real.search(e, data));
  });

  it('refuses an expression that is not a plain field path (rather than answer differently)', () => {
    for (const e of ['items[0]', 'a || b', 'powertools_json(body).id', '"quoted"', 'a.*', '']) {
      expect(() => search(e, { a: 1 }), e).toThrow(/not a plain field path/);
    }
  });
});
