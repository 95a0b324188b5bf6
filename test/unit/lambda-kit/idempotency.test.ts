/**
 * The Idempotency-Key declaration (issue 12, item 2): which routes take it, how the OpenAPI
 * document shows it, and the header's own validation. The behaviour (replay, 422, 409) is
 * proven on the deployed stack: test/integration/idempotency.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isTemporaError } from '../../../lib/errors.ts';
import { idempotencyKeyOf } from '../../../lib/lambda-kit/middleware/idempotency.ts';
import { gatewayRoutes, routeKey } from '../../../lib/registry/index.ts';
import { openApiDocument } from '../../../lib/registry/openapi.ts';

const idempotent = () => gatewayRoutes().filter((r) => r.idempotent);

describe('routes declared idempotent', () => {
  it('are the POSTs that create or add: creates, verbs, scores, intents, events, bulk and import', () => {
    const keys = idempotent().map(routeKey);
    for (const k of [
      'POST /api/campaigns',
      'POST /api/users',
      'POST /api/campaigns/{id}/extend',
      'POST /api/users/{id}/reactivate',
      'POST /api/campaigns/{id}/scores',
      'POST /api/scheduler/intents',
      'POST /api/events',
      'POST /api/metadata/bulk',
      'POST /api/metadata/import',
    ])
      expect(keys).toContain(k);
    for (const r of idempotent()) expect(r.method).toBe('POST');
    // Every POST of the API is one of them.
    expect(
      gatewayRoutes()
        .filter((r) => r.method === 'POST' && !r.idempotent)
        .map(routeKey),
    ).toEqual([]);
  });

  it('show the header parameter and the 409/422 answers in the OpenAPI document, and only they do', () => {
    const doc = openApiDocument();
    for (const r of gatewayRoutes().filter((g) => g.path !== '$default')) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()] as
        | { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }
        | undefined;
      // Routes outside the API reference (the console's static files) take no body at all.
      if (!op) {
        expect(r.idempotent, routeKey(r)).toBeUndefined();
        continue;
      }
      const header = op.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(Boolean(header), routeKey(r)).toBe(r.idempotent === true);
      if (r.idempotent) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
  });
});

describe('idempotencyKeyOf', () => {
  it('takes 1-255 visible ASCII characters, quoted (sf-string) or not; absent is undefined', () => {
    expect(idempotencyKeyOf({})).toBeUndefined();
    expect(idempotencyKeyOf({ 'idempotency-key': 'abc-123' })).toBe('abc-123');
    expect(idempotencyKeyOf({ 'idempotency-key': '"8e03978e-40d5"' })).toBe('8e03978e-40d5');
    expect(idempotencyKeyOf({ 'idempotency-key': 'k'.repeat(255) })).toHaveLength(255);
  });

  it.each([[''], ['k'.repeat(256)], ['clé'], ['a\u0000b']])(
    'refuses %j with a 400 naming the header',
    (v) => {
      try {
        idempotencyKeyOf({ 'idempotency-key': v });
        expect.unreachable();
      } catch (e) {
        expect(isTemporaError(e) && e.status).toBe(400);
        expect(JSON.stringify(isTemporaError(e) && e.details)).toContain('headers.idempotency-key');
      }
    },
  );
});
