/**
 * Hostile input against the deployed stack, property-based (fast-check): for every gateway
 * route the registry declares (domain collections, their verbs and extra routes, platform
 * services), plus undeclared paths and methods (the `$default` catch-all), hostile bodies, query strings, path parameters and headers
 * (forged bearer tokens among them: `alg: none`, HS256 signed with the issuer's public key, an unknown
 * kid, expired, wrong audience or issuer, tampered, over 8 KB, a role claim that maps to nothing, a
 * platform token of another key; none is ever accepted on a protected route). Each answer must be:
 * never a 5xx; on a 4xx, the contract's error shape `{ error: { code, message } }`; a status the
 * route's OpenAPI `responses` declare, with the declared body (support/response-check.ts); and
 * nothing written (outbox, master, metadata records, policies and intents hold as many items
 * after the run as before, and no write was accepted).
 *
 * Then, deterministically, the declared length of every query parameter the OpenAPI gives a
 * `maxLength`: one character over it is a 400 naming `query.<name>`; exactly at it is never
 * refused for its length.
 *
 * Bounded for CI: FUZZ_RUNS cases (default 2,000) and FUZZ_BUDGET_MS (default 100 s), whichever
 * comes first. Prints the number of cases tried and of 5xx seen.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../lib/auth/tokens.ts';
import {
  platform,
  type RouteDefinition,
  registry,
  routeKey,
  serviceRoutes,
} from '../../lib/registry/index.ts';
import { openApiDocument } from '../../lib/registry/openapi.ts';
import { countItems, outboxRows } from './support/client.ts';
import { forgedIdpTokens, idpToken } from './support/oidc.ts';
import { loadOutputs } from './support/outputs.ts';
import { responseProblems } from './support/response-check.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** Every gateway route, from the registry (the same declarations infra builds routes from). */
const ROUTES: RouteDefinition[] = [
  ...new Map(
    [
      ...registry.flatMap(serviceRoutes),
      ...platform.flatMap((p) => p.routes),
      { method: 'GET', path: '/api/health', public: true } as RouteDefinition,
    ].map((r) => [routeKey(r), r]),
  ).values(),
];

// --- Hostile parts ----------------------------------------------------------------------------

const nest = (depth: number, leaf: string, asArray: boolean): string =>
  asArray
    ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

const hostileNumber = fc.constantFrom(
  '1e300',
  '-1e300',
  '1e-300',
  '1e999',
  '-1e-999',
  '12345678901234567891',
  '9007199254740993',
  '1.7976931348623157e308',
  '5e-324',
  '1E+126',
  '-0',
  '0.1e-130',
);
const hostileString = fc.oneof(
  fc.constantFrom('"\\ud800"', '"a\\udc00b"', '"\\udbff"', '"\\u0000"', '"\\ud83d\\ude00\\ud800"'),
  fc.integer({ min: 129, max: 70_000 }).map((n) => JSON.stringify('t'.repeat(n))),
  fc.integer({ min: 100, max: 3000 }).map((n) => JSON.stringify('é'.repeat(n))),
);
const hostileValue = fc.oneof(
  hostileNumber,
  hostileString,
  fc.tuple(fc.integer({ min: 25, max: 200 }), fc.boolean()).map(([d, arr]) => nest(d, '1', arr)),
);
/** A field name of the route's body: the known ones (so validation gets deep) or odd ones. */
const fieldName = fc.oneof(
  fc.constantFrom(
    'name',
    'type',
    'payload',
    'properties',
    'metadata',
    'fields',
    'entity',
    'id',
    'user_id',
    'action',
    'run_at',
    'score',
    'value',
    'policy',
    'records',
    'items',
  ),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '\\ud800'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s).slice(1, -1)),
);

/** A raw JSON text (or not JSON at all), always with at least one hostile part. */
const hostileBody: fc.Arbitrary<string> = fc.oneof(
  // an object whose fields carry hostile values
  fc
    .array(fc.tuple(fieldName, hostileValue), { minLength: 1, maxLength: 4 })
    .map((kv) => `{${kv.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  // metadata with hostile tags / features / nesting
  fc
    .tuple(fc.constantFrom('tags', 'features', 'custom_rules', 'service_specific'), hostileValue)
    .map(
      ([k, v]) => `{"name":"fuzz","metadata":{"${k}":${k === 'tags' || k === 'features' ? `[${v}]` : v}}}`,
    ),
  // an event with a hostile type, entity or payload
  fc
    .tuple(
      fc.oneof(
        fc.integer({ min: 129, max: 400 }).map((n) => JSON.stringify(`a.${'b'.repeat(n)}`)),
        hostileString,
      ),
      hostileValue,
    )
    .map(([t, v]) => `{"type":${t},"entity":{"type":"x","id":${v}},"payload":{"v":${v}}}`),
  // wrong types and prototype keys
  fc.constantFrom(
    '[]',
    '"a string"',
    '42',
    'null',
    'true',
    '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    '{"name":{"__proto__":null}}',
    '{"metadata":[]}',
    '{"metadata":"x"}',
  ),
  // not JSON, or JSON with a trailing mess
  fc.constantFrom('{', '{"a":1}}', 'NaN', '{"a":Infinity}', '\u0000', '{"a":1,}', "{'a':1}"),
  // near and over the body cap
  fc
    .constantFrom(256 * 1024 - 20, 256 * 1024 + 1, 300 * 1024)
    .map((n) => `{"payload":{"pad":"${'x'.repeat(n)}"}}`),
);

/** Hostile path parameter values, already URL-encoded (some deliberately odd). */
const hostileParam = fc.oneof(
  fc.constantFrom('%ED%A0%80', '%00', '%2F', '..', '%25', '%', '%ZZ', '+', '%20', '%C0%AF', '~', "'", '%22'),
  fc.integer({ min: 257, max: 2000 }).map((n) => 'i'.repeat(n)),
  fc.integer({ min: 90, max: 600 }).map((n) => encodeURIComponent('é'.repeat(n))),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

/** A forged or stale cursor. */
const forgedCursor = fc.oneof(
  fc.constantFrom(
    'eyJpZCI6ImEifQ', // base64url {"id":"a"}, unsigned (the old format)
    'eyJpZCI6ImEifQ.AAAAAAAAAAAAAAAAAAAAAA',
    'eyJzdGF0ZSI6ImFjdGl2ZSIsImlkIjoiYSIsImxpc3Rfc2siOiJ4In0',
    'W10',
    'bnVsbA',
    '.',
    '..',
    '%',
    '%ED%A0%80',
  ),
  fc.base64String({ minLength: 4, maxLength: 200 }).map(encodeURIComponent),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 30 }), fc.integer()), {
      maxKeys: 4,
    })
    .map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
  fc.integer({ min: 2049, max: 6000 }).map((n) => 'c'.repeat(n)),
);
const queryValue = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '1e9',
    'NaN',
    '0x10',
    '',
    '%',
    '%ZZ',
    '%ED%A0%80',
    'true',
    '[]',
    '%00',
    '999999999999999999999',
  ),
  fc.integer({ min: 129, max: 3000 }).map((n) => 'q'.repeat(n)),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const queryName = fc.constantFrom(
  'cursor',
  'limit',
  'tag',
  'feature',
  'state',
  'q',
  'broadcasting',
  'type',
  'entity_id',
  'from',
  'to',
  'filter',
  'sort',
  'fields',
  'depth',
  '__proto__',
);
const hostileQuery = fc
  .tuple(
    fc.option(forgedCursor, { nil: undefined }),
    fc.array(fc.tuple(queryName, queryValue), { maxLength: 3 }),
  )
  .map(([cursor, rest]) => {
    const parts = [...(cursor ? [`cursor=${cursor}`] : []), ...rest.map(([k, v]) => `${k}=${v}`)];
    return parts.length ? `?${parts.join('&')}` : '';
  });

/**
 * Forged or refused tokens (issue 27), made once before the run: support/oidc.ts's set (alg none,
 * HMAC with the issuer's public key, unknown kid, expired, nbf ahead, wrong audience or issuer,
 * tampered) and a role claim that maps to nothing, a validly signed token over 8 KB, a platform
 * token of another key. Each must be a 4xx, never a 5xx, never accepted on a protected route.
 */
const FORGED = ['forged', 'unmapped-role', 'idp-oversize', 'platform-wrong-key'] as const;
const forged = new Map<string, string>();
/** support/oidc.ts's forged tokens: the `forged` case picks one of them. */
let forgedSet: string[] = [];
/** Tokens of the local identity provider the dev stack trusts: valid, so hostile bodies reach validation. */
const idp = new Map<string, string>();

type Auth =
  | 'admin'
  | 'service'
  | 'user'
  | 'idp-admin'
  | 'idp-user'
  | 'none'
  | 'oversize'
  | 'garbage'
  | 'basic'
  | (typeof FORGED)[number];
const hostileHeaders = fc.record({
  auth: fc.constantFrom<Auth>(
    'admin',
    'admin',
    'admin',
    'service',
    'user',
    'idp-admin',
    'idp-user',
    'none',
    'oversize',
    'garbage',
    'basic',
    ...FORGED,
    'forged',
    'forged',
  ),
  /** Which of the forged set a `forged` case sends. */
  pick: fc.nat(),
  ifMatch: fc.option(
    fc.constantFrom('abc', '"1', '*', '99999999999999999999', 'W/"x"', '-1', '1'.repeat(100), '""'),
    { nil: undefined },
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json',
    'text/plain',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'application/jsonx',
    'application/merge-patch+json',
    '',
  ),
  correlation: fc.option(fc.constantFrom('x'.repeat(300), 'ok-correlation-1', '../../etc'), {
    nil: undefined,
  }),
});

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Declared routes mostly; also paths no route declares and declared paths with another method (the catch-all). */
const anyRoute: fc.Arbitrary<Pick<RouteDefinition, 'method' | 'path'> & Partial<RouteDefinition>> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ROUTES) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...METHODS),
        fc.array(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 5 }),
      )
      .map(([method, segs]) => ({ method, path: `/api/zz-${segs.join('/')}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), fc.constantFrom(...METHODS))
      .filter(([r, m]) => !ROUTES.some((o) => o.path === r.path && o.method === m))
      .map(([r, method]) => ({ method, path: r.path })),
  },
);

const hostileCase = fc.record({
  route: anyRoute,
  params: fc.array(hostileParam, { minLength: 4, maxLength: 4 }),
  query: hostileQuery,
  body: fc.option(hostileBody, { nil: undefined, freq: 6 }),
  headers: hostileHeaders,
});
type Case = typeof hostileCase extends fc.Arbitrary<infer T> ? T : never;

// --- Sending ----------------------------------------------------------------------------------

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function requestOf(c: Case): { url: string; init: RequestInit } {
  const out = loadOutputs();
  let i = 0;
  const path = c.route.path.replace(/\{[^}]+\}/g, () => c.params[i++ % c.params.length] ?? 'x');
  const headers: Record<string, string> = {};
  const token =
    { admin: out.tokens.admin, service: out.tokens.service, user: out.tokens.user }[
      c.headers.auth as 'admin' | 'service' | 'user'
    ] ??
    idp.get(c.headers.auth) ??
    (c.headers.auth === 'forged' ? forgedSet[c.headers.pick % forgedSet.length] : forged.get(c.headers.auth));
  if (token) headers.authorization = `Bearer ${token}`;
  else if (c.headers.auth === 'oversize') headers.authorization = `Bearer ${'x'.repeat(9000)}`;
  else if (c.headers.auth === 'garbage') headers.authorization = 'Bearer a.b.c';
  else if (c.headers.auth === 'basic') headers.authorization = 'Basic YTpi';
  if (c.headers.ifMatch !== undefined) headers['if-match'] = c.headers.ifMatch;
  if (c.headers.correlation !== undefined) headers['x-correlation-id'] = c.headers.correlation;
  const hasBody = c.body !== undefined && c.route.method !== 'GET';
  if (hasBody && c.headers.contentType) headers['content-type'] = c.headers.contentType;
  return {
    url: `${out.httpApiUrl}${path}${c.query}`,
    init: {
      method: c.route.method,
      headers,
      ...(hasBody ? { body: c.body } : {}),
      signal: AbortSignal.timeout(30_000),
    },
  };
}

interface Finding {
  route: string;
  status: number;
  url: string;
  body: string;
  problem: string;
}

const COUNTED = ['metadataMaster', 'metadataRecords', 'policies', 'schedulerIntents'];
const counts = () =>
  Promise.all(COUNTED.map(async (t) => [t, await countItems(t)] as const)).then(Object.fromEntries);

/** The correlation ids of the fuzz's requests, as the platform answered them. */
const correlations = new Set<string>();
let outboxBefore = new Map<string, string | undefined>();

/** The forged tokens, against the local issuer's keys and the stack's own key. */
async function forgeTokens(): Promise<void> {
  idp.set('idp-admin', await idpToken({ sub: 'fuzz-idp-admin', role: 'admin', ttlSeconds: 3600 }));
  idp.set('idp-user', await idpToken({ sub: 'fuzz-idp-user', role: 'user', ttlSeconds: 3600 }));
  forgedSet = Object.values(await forgedIdpTokens('fuzz'));
  forged.set(
    'unmapped-role',
    await idpToken({ sub: 'fuzz', ttlSeconds: 3600, claims: { groups: ['guests'] } }),
  );
  forged.set(
    'idp-oversize',
    await idpToken({ sub: 'fuzz', role: 'admin', ttlSeconds: 3600, claims: { pad: 'x'.repeat(9000) } }),
  );
  forged.set(
    'platform-wrong-key',
    await mintToken('a-key-this-stack-never-had-0123456789abcdef', { sub: 'fuzz', role: 'admin' }),
  );
}

let before: Record<string, number> = {};
beforeAll(async () => {
  await forgeTokens();
  // Start from a quiet platform: writes that earlier test files caused by themselves (a new
  // user's retention intent written by the scheduler a few seconds later) must land first, or
  // they would count as written by the fuzz. Quiet = the same counts over 3 s, within 60 s.
  const deadline = Date.now() + 60_000;
  before = await counts();
  for (;;) {
    await new Promise((r) => setTimeout(r, 3_000));
    const now = await counts();
    if (JSON.stringify(now) === JSON.stringify(before) || Date.now() > deadline) break;
    before = now;
  }
  outboxBefore = await outboxRows();
}, 90_000);

const findings: Finding[] = [];
let tried = 0;
let fivexx = 0;
const statuses = new Map<number, number>();

afterAll(() => {
  const byStatus = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(
    `fuzz: ${tried} cases over ${ROUTES.length} routes (seed ${SEED}), ${fivexx} answers 5xx, ${findings.length} findings; statuses ${byStatus.join(' ')}`,
  );
});

describe('hostile input on every declared route', () => {
  it('never a 5xx, always the error shape on a 4xx, nothing written', {
    timeout: BUDGET_MS + 120_000,
  }, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(hostileCase, async (c) => {
        if (Date.now() - started > BUDGET_MS) return true;
        tried++;
        const { url, init } = requestOf(c);
        let status: number;
        let text: string;
        let res405Allow: string | null = null;
        try {
          const res = await fetch(url, init);
          status = res.status;
          text = await res.text();
          res405Allow = res.headers.get('allow');
          const correlation = res.headers.get('x-correlation-id');
          if (correlation) correlations.add(correlation);
        } catch (e) {
          // A request the client itself cannot send (e.g. a header fetch refuses) tests nothing.
          if (e instanceof TypeError && !/fetch failed/.test(e.message)) return true;
          throw e;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const key = routeKey(c.route);
        const report = (problem: string) =>
          findings.push({ route: key, status, url: url.slice(0, 300), body: text.slice(0, 300), problem });
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        // A declared route answers only what its OpenAPI declares, in the declared shape.
        for (const problem of responseProblems(c.route.method, new URL(url).pathname, status, json, text))
          report(problem.slice(0, 300));
        const forgedToken = (FORGED as readonly string[]).includes(c.headers.auth);
        if (forgedToken && status < 400 && c.route.public !== true) report('forged token accepted');
        if (status >= 500) {
          fivexx++;
          report('5xx');
        } else if (status >= 400) {
          let parsed: { error?: { code?: unknown; message?: unknown } } | undefined;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (typeof parsed?.error?.code !== 'string' || typeof parsed.error.message !== 'string')
            report('4xx without the contract error shape');
          else if (status === 405 && !res405Allow) report('405 without an Allow header');
        } else if (WRITE_METHODS.has(c.route.method) && status < 300) {
          report('hostile write accepted');
        }
        return true;
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: BUDGET_MS + 30_000 },
    );
    // Nothing the hostile requests sent was written anywhere.
    expect(await counts()).toEqual(before);
    const written = [...(await outboxRows())].filter(
      ([id, correlation]) =>
        !outboxBefore.has(id) && correlation !== undefined && correlations.has(correlation),
    );
    expect(written, 'outbox rows written by the fuzz requests').toEqual([]);
    const seen = new Map<string, Finding>();
    for (const f of findings) seen.set(`${f.route} ${f.status} ${f.problem}`, f);
    expect([...seen.values()], `${findings.length} findings`).toEqual([]);
  });
});

// --- Declared lengths -------------------------------------------------------------------------

interface LengthCase {
  route: RouteDefinition;
  name: string;
  maxLength: number;
}

/** The `maxLength` a parameter's schema declares (directly, or in one of its `anyOf`/`allOf`/`oneOf`). */
function maxLengthOf(schema: Record<string, unknown> | undefined): number | undefined {
  if (!schema) return undefined;
  if (typeof schema.maxLength === 'number') return schema.maxLength;
  for (const k of ['anyOf', 'allOf', 'oneOf'])
    for (const sub of (schema[k] as Record<string, unknown>[] | undefined) ?? []) {
      const m = maxLengthOf(sub);
      if (m !== undefined) return m;
    }
  return undefined;
}

/** Every query parameter of every declared route whose OpenAPI schema has a `maxLength`. */
const LENGTH_CASES: LengthCase[] = (() => {
  const spec = openApiDocument();
  return ROUTES.flatMap((route) => {
    const op = spec.paths[route.path]?.[route.method.toLowerCase()] as
      | { parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> }> }
      | undefined;
    return (op?.parameters ?? []).flatMap((p) => {
      const maxLength = p.in === 'query' ? maxLengthOf(p.schema) : undefined;
      return maxLength === undefined ? [] : [{ route, name: p.name, maxLength }];
    });
  });
})();

/** A refusal that is about length (zod's `Too big`, the registry's `at most N characters/bytes`). */
const LENGTH_WORDS = /too big|too long|at most \d+ (characters|bytes)|<=\s*\d+ characters/i;

describe('declared lengths on every query parameter', () => {
  it('over maxLength: a 400 naming the parameter; at maxLength: never refused for its length', {
    timeout: 120_000,
  }, async () => {
    const out = loadOutputs();
    const problems: string[] = [];
    // A search's `q` is what puts `GET /api/search` in search mode: each of its parameters is
    // tried in its own mode (with `q=x` for the search ones), the others without.
    const SEARCH_MODE = new Set(['type']);
    for (const c of LENGTH_CASES) {
      const path = c.route.path.replace(/\{[^}]+\}/g, 'fuzz-length');
      for (const [length, over] of [
        [c.maxLength + 1, true],
        [c.maxLength, false],
      ] as const) {
        const extra = c.route.path === '/api/search' && SEARCH_MODE.has(c.name) ? '&q=x' : '';
        const url = `${out.httpApiUrl}${path}?${c.name}=${'a'.repeat(length)}${extra}`;
        const res = await fetch(url, {
          method: c.route.method,
          headers: { authorization: `Bearer ${out.tokens.admin}` },
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let body: { error?: { details?: { issues?: Array<{ path?: string; message?: string }> } } } = {};
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the checks below report it
        }
        const named = (body.error?.details?.issues ?? []).filter((i) => i.path === `query.${c.name}`);
        const where = `${routeKey(c.route)} ${c.name} (maxLength ${c.maxLength}) × ${length} → ${res.status}`;
        if (over && (res.status !== 400 || named.length === 0))
          problems.push(`${where}: expected a 400 naming query.${c.name}: ${text.slice(0, 200)}`);
        if (!over && named.some((i) => LENGTH_WORDS.test(i.message ?? '')))
          problems.push(`${where}: refused for its length at the declared limit: ${text.slice(0, 200)}`);
        if (res.status >= 500) problems.push(`${where}: 5xx`);
      }
    }
    console.log(`declared lengths: ${LENGTH_CASES.length} query parameters, each at and over its maxLength`);
    expect(LENGTH_CASES.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
