/**
 * The OpenAPI 3.1 document generated from the registry: valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator against the official 3.1 schema), covering every declared
 * route with what a client needs, and docs/openapi.json + docs/api.md in step with it.
 */
import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { API_MD_FILE, apiMarkdown, OPENAPI_FILE, openApiJson } from '../../../bin/docs-openapi.ts';
import { allRoutes } from '../../../lib/registry/index.ts';
import { openApiDocument } from '../../../lib/registry/openapi.ts';

interface Operation {
  summary?: string;
  security?: unknown[];
  requestBody?: { content: { 'application/json': { schema?: unknown; example?: unknown } } };
  responses?: Record<string, unknown>;
}

describe('OpenAPI document', () => {
  const doc = openApiDocument();

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('covers every declared route: summary, security, schemas, the shared error shape, examples', () => {
    const routes = allRoutes();
    let operations = 0;
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()] as Operation | undefined;
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      if (!op) continue;
      operations++;
      expect(op.summary).toBe(r.summary);
      expect(op.security).toEqual(r.public ? [] : [{ bearer: [] }]);
      expect(op.responses?.['4XX']).toEqual({ $ref: '#/components/responses/Error' });
      if (r.body || r.example !== undefined) {
        expect(op.requestBody?.content['application/json'].schema).toBeDefined();
        expect(op.requestBody?.content['application/json'].example).toEqual(r.example);
      }
    }
    expect(operations).toBe(routes.length);
    expect(doc.paths['/api/openapi.json']?.get).toBeDefined();
  });

  it('every route that answers a body declares its response schema (text/plain where it is text)', () => {
    const missing = allRoutes()
      .filter((r) => !r.response && (r.status ?? (r.method === 'DELETE' ? 204 : 200)) !== 204)
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => k !== 'GET $default');
    expect(missing).toEqual([]);
    const diagram = doc.paths['/api/kg/diagram']?.get as { responses: Record<string, { content: object }> };
    expect(Object.keys(diagram.responses['200']?.content ?? {})).toEqual(['text/plain']);
  });

  it('docs/openapi.json and docs/api.md are what `npm run docs:openapi` generates (no drift)', async () => {
    expect(JSON.parse(await readFile(OPENAPI_FILE, 'utf8'))).toEqual(JSON.parse(openApiJson()));
    expect(await readFile(API_MD_FILE, 'utf8')).toBe(apiMarkdown());
  });
});
