/**
 * The records service's routes as the registry declares them (RECORDS_ROUTES): every
 * route's input is parsed by the kit from its declaration (a mistake is a 400 naming the field,
 * never a 5xx), every answer has a declared schema, and the handler holds no parsing of its own.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/tokens.ts';
import { isTemporaError } from '../../../lib/errors.ts';
import { enforceDeclaration } from '../../../lib/lambda-kit/http.ts';
import { RECORDS_ROUTES } from '../../../lib/records/contract.ts';
import { routeKey } from '../../../lib/registry/index.ts';

const admin: Principal = { sub: 'dev-admin', role: 'admin' };

const route = (key: string) => {
  const r = RECORDS_ROUTES.find((d) => routeKey(d) === key);
  if (!r) throw new Error(`no route ${key}`);
  return r;
};

function issues(
  key: string,
  raw: { params?: unknown; query?: unknown; body?: unknown },
): { status: number; paths: string[]; messages: string[] } {
  try {
    enforceDeclaration(route(key), admin, {
      params: raw.params ?? {},
      query: raw.query ?? {},
      body: raw.body,
    });
  } catch (e) {
    if (!isTemporaError(e)) throw e;
    const list = ((e.details as { issues?: Array<{ path: string; message: string }> })?.issues ?? []).map(
      (i) => i,
    );
    return { status: e.status, paths: list.map((i) => i.path), messages: list.map((i) => i.message) };
  }
  throw new Error(`${key}: expected a rejection`);
}

const parsed = (key: string, raw: { params?: unknown; query?: unknown; body?: unknown }) =>
  enforceDeclaration(route(key), admin, { params: raw.params ?? {}, query: raw.query ?? {}, body: raw.body });

const KEY = { type: 'config', name: 'pricing-eu' };

describe('RECORDS_ROUTES declarations', () => {
  it('declare a response for every answer with a body, a body schema wherever a body is taken, and path schemas for every template', () => {
    for (const r of RECORDS_ROUTES) {
      const key = routeKey(r);
      if (r.status !== 204) expect(r.response, `${key} response`).toBeDefined();
      if (r.method === 'POST' || r.method === 'PUT') {
        expect(r.body, `${key} body`).toBeDefined();
        expect(r.example, `${key} example`).toBeDefined();
      }
      if (r.method === 'GET' && !r.path.includes('migrations/'))
        expect(r.query, `${key} query`).toBeDefined();
      if (r.path.includes('{')) expect(r.params, `${key} params`).toBeDefined();
    }
  });

  it('every request example parses with its route’s body schema', () => {
    for (const r of RECORDS_ROUTES)
      if (r.body) expect(r.body.safeParse(r.example).success, routeKey(r)).toBe(true);
  });

  it('path: type and name are identifiers (400 naming path.type and path.name)', () => {
    expect(issues('GET /api/metadata/{type}/{name}', { params: { type: 'A', name: 'b c' } })).toMatchObject({
      status: 400,
      paths: ['path.type', 'path.name'],
    });
    expect(issues('GET /api/metadata/migrations/{id}', { params: { id: '../x' } }).paths).toEqual([
      'path.id',
    ]);
  });

  it('GET /api/metadata: every bad parameter at once, named; a good one becomes a ListQuery', () => {
    const bad = issues('GET /api/metadata', {
      query: { type: 'A', sort: 'colour', page_size: '0', fields: 'nope', include_archived: 'yes', x: '1' },
    });
    expect(bad.status).toBe(400);
    expect(bad.paths).toEqual(
      expect.arrayContaining([
        'query.type[0]',
        'query.sort',
        'query.page_size',
        'query.fields',
        'query.include_archived',
        'query.x',
      ]),
    );
    expect(bad.messages.join(' ')).toMatch(/cannot sort by "colour"/);
    expect(
      parsed('GET /api/metadata', {
        query: { type: 'config,view', sort: '-updated_at', page_size: '10', fields: 'name,metadata.tags' },
      }).query,
    ).toEqual({
      types: ['config', 'view'],
      includeArchived: false,
      sort: [{ field: 'updated_at', desc: true }],
      pageSize: 10,
      fields: [['name'], ['metadata', 'tags']],
    });
  });

  it('GET /api/metadata/export: types and namespaces are identifier lists', () => {
    expect(issues('GET /api/metadata/export', { query: { type: 'A B', namespace: 'ok' } }).paths).toEqual([
      'query.type[0]',
    ]);
    expect(parsed('GET /api/metadata/export', { query: { namespace: 'a,b,a' } }).query).toEqual({
      namespace: ['a', 'b'],
    });
  });

  it('PUT: read-only fields, unknown fields, bad values and metadata issues are reported together', () => {
    const bad = issues('PUT /api/metadata/{type}/{name}', {
      params: KEY,
      body: { id: 'x', version: 3, strategy: 'deep', colour: 'red', metadata: { tags: 'not-a-list' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.paths).toEqual(
      expect.arrayContaining(['id', 'version', 'strategy', 'colour', 'metadata.tags']),
    );
    expect(issues('PUT /api/metadata/{type}/{name}', { params: KEY, body: [1] }).paths).toEqual(['']);
    expect(
      issues('PUT /api/metadata/{type}/{name}', { params: KEY, query: { on_conflict: 'x' } }).paths,
    ).toContain('query.on_conflict');
    expect(
      parsed('PUT /api/metadata/{type}/{name}', {
        params: KEY,
        body: { metadata: { tags: ['a'] }, extends: null },
      }).body,
    ).toEqual({ metadata: { tags: ['a'] }, extends: null });
  });

  it('PUT: oversize metadata is a 413, not a 5xx', () => {
    const big = { custom_rules: { blob: 'x'.repeat(70_000) } };
    try {
      parsed('PUT /api/metadata/{type}/{name}', { params: KEY, body: { metadata: big } });
      throw new Error('expected a 413');
    } catch (e) {
      expect(isTemporaError(e) && e.status).toBe(413);
    }
  });

  it('bulk and import: envelope and counts declared; each item is left to the service (continue_on_error)', () => {
    expect(issues('POST /api/metadata/bulk', { body: { operations: [] } }).paths).toEqual(['operations']);
    expect(issues('POST /api/metadata/bulk', { body: { operations: 'x', extra: 1 } }).paths).toEqual([
      'operations',
      'extra',
    ]);
    const tx = issues('POST /api/metadata/bulk', {
      body: { operations: [{}, {}], transactional: true, continue_on_error: true },
    });
    expect(tx.paths).toEqual(['continue_on_error']);
    const many = issues('POST /api/metadata/import', {
      body: { records: Array.from({ length: 1001 }, () => ({})) },
    });
    expect(many.messages[0]).toMatch(/at most 1000 records per request; got 1001/);
    expect(issues('POST /api/metadata/import', { body: { records: [{}], mode: 'x' } }).paths).toEqual([
      'mode',
    ]);
  });

  it('migrations: the request is declared (operations checked one by one); a rollback body is optional', () => {
    const bad = issues('POST /api/metadata/migrations', {
      body: { id: 'm1', filter: { type: 'config' }, operations: [{ op: 'rename', path: 'metadata.a' }] },
    });
    expect(bad.paths).toEqual(['operations[0].to']);
    expect(
      parsed('POST /api/metadata/migrations/{id}/rollback', { params: { id: 'm1' }, body: undefined }).body,
    ).toEqual({});
    expect(
      issues('POST /api/metadata/migrations/{id}/rollback', { params: { id: 'm1' }, body: { force: 'yes' } })
        .paths,
    ).toEqual(['force']);
  });

  it('the handler parses nothing itself: it reads the input the kit parsed', async () => {
    const src = await readFile(new URL('../../../lib/records/lambda.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(
      /parseQuery|parseListQuery|parseKeyParams|safeParse|req\.query|req\.body|req\.params/,
    );
  });
});
