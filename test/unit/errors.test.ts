import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  badRequest,
  conflict,
  forbidden,
  isTemporaError,
  notFound,
  payloadTooLarge,
  TemporaError,
  toFieldIssues,
  unauthorized,
  unsupportedMediaType,
  validationError,
} from '../../lib/errors.ts';

/** The zod issues of a failed parse (fails the test if the parse succeeds). */
function issuesOf(schema: z.ZodMiniType, input: unknown): z.core.$ZodIssue[] {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('expected the parse to fail');
  return r.error.issues;
}

const schema = z.strictObject({
  name: z.string(),
  tags: z.array(z.string()),
  nested: z.optional(z.strictObject({ count: z.number() })),
  items: z.optional(z.array(z.object({ label: z.string() }))),
  matrix: z.optional(z.array(z.array(z.number()))),
});

describe('toFieldIssues', () => {
  it('names fields by dotted path, with array indexes in brackets', () => {
    const issues = toFieldIssues(
      issuesOf(schema, {
        name: 1,
        tags: ['ok', 2],
        items: [{ label: 'a' }, { label: 3 }],
        matrix: [[1], [2, 'x']],
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['items[1].label', 'matrix[1][1]', 'name', 'tags[1]']);
    for (const i of issues) expect(i.message).toMatch(/expected/);
  });

  it('puts every path under the prefix', () => {
    const issues = toFieldIssues(
      issuesOf(schema, { name: 'n', tags: [1], nested: { count: 'x' } }),
      'metadata',
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['metadata.nested.count', 'metadata.tags[0]']);
  });

  it('accepts a dotted prefix and a root-level issue (the prefix itself)', () => {
    expect(toFieldIssues(issuesOf(z.string(), 42), 'query.state')).toEqual([
      { path: 'query.state', message: expect.any(String) },
    ]);
    expect(toFieldIssues(issuesOf(z.string(), 42))).toEqual([{ path: '', message: expect.any(String) }]);
  });

  it('joins a prefix and an array-rooted path without a dot before the bracket', () => {
    const issues = toFieldIssues(issuesOf(z.array(z.string()), ['a', 7]), 'tags');
    expect(issues.map((i) => i.path)).toEqual(['tags[1]']);
  });

  it('expands an unrecognized_keys issue into one issue per key, at its own path', () => {
    const raw = issuesOf(schema, { name: 'n', tags: [], extra: 1, other: 2 });
    expect(raw).toHaveLength(1);
    expect(raw[0]?.code).toBe('unrecognized_keys');
    expect(toFieldIssues(raw)).toEqual([
      { path: 'extra', message: 'unknown field' },
      { path: 'other', message: 'unknown field' },
    ]);
  });

  it('expands nested unrecognized keys under their object and the prefix', () => {
    const raw = issuesOf(schema, { name: 'n', tags: [], nested: { count: 1, zz: true } });
    expect(toFieldIssues(raw, 'body')).toEqual([{ path: 'body.nested.zz', message: 'unknown field' }]);
  });

  it('reports unknown keys and invalid fields of one parse together', () => {
    const raw = issuesOf(schema, { name: 5, tags: ['x', null], surprise: 'y' });
    expect(
      toFieldIssues(raw, 'metadata')
        .map((i) => i.path)
        .sort(),
    ).toEqual(['metadata.name', 'metadata.surprise', 'metadata.tags[1]']);
  });

  it('keeps the order of issues and returns [] for none', () => {
    expect(toFieldIssues([])).toEqual([]);
    expect(
      toFieldIssues([
        { path: ['b'], message: 'second' },
        { path: ['a'], message: 'first' },
      ]),
    ).toEqual([
      { path: 'b', message: 'second' },
      { path: 'a', message: 'first' },
    ]);
  });
});

describe('TemporaError', () => {
  it('renders the contract body with details', () => {
    const e = new TemporaError(409, 'conflict', 'Version conflict', { id: 'x', current_version: 3 });
    expect(e.toBody()).toStrictEqual({
      error: { code: 'conflict', message: 'Version conflict', details: { id: 'x', current_version: 3 } },
    });
  });

  it('omits details when there are none', () => {
    const body = new TemporaError(404, 'not_found', 'No such thing').toBody();
    expect(body).toStrictEqual({ error: { code: 'not_found', message: 'No such thing' } });
    expect(Object.hasOwn(body.error, 'details')).toBe(false);
  });

  it('keeps falsy but defined details', () => {
    expect(new TemporaError(400, 'bad_request', 'm', null).toBody().error).toHaveProperty('details', null);
    expect(new TemporaError(400, 'bad_request', 'm', 0).toBody().error).toHaveProperty('details', 0);
  });

  it('is an Error, named TemporaError, recognised by isTemporaError', () => {
    const e = new TemporaError(400, 'bad_request', 'nope');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TemporaError');
    expect(e.message).toBe('nope');
    expect(isTemporaError(e)).toBe(true);
    expect(isTemporaError(new Error('nope'))).toBe(false);
    expect(isTemporaError({ status: 400, code: 'bad_request', message: 'x' })).toBe(false);
  });

  it('the helpers carry the HTTP status and code of the contract', () => {
    const cases: Array<[TemporaError, number, string]> = [
      [badRequest('m'), 400, 'bad_request'],
      [validationError([]), 400, 'validation_failed'],
      [unauthorized(), 401, 'unauthorized'],
      [forbidden('m'), 403, 'forbidden'],
      [notFound('m'), 404, 'not_found'],
      [conflict('m'), 409, 'conflict'],
      [payloadTooLarge('m'), 413, 'payload_too_large'],
      [unsupportedMediaType('m'), 415, 'unsupported_media_type'],
    ];
    for (const [e, status, code] of cases) expect([e.status, e.code]).toEqual([status, code]);
  });

  it('validationError lists every issue in details and in the default message', () => {
    const issues = [
      { path: 'name', message: 'is required' },
      { path: '', message: 'must be an object' },
    ];
    const e = validationError(issues);
    expect(e.toBody()).toStrictEqual({
      error: {
        code: 'validation_failed',
        message: 'Invalid request: name: is required; (body): must be an object',
        details: { issues },
      },
    });
    expect(validationError(issues, 'Custom').message).toBe('Custom');
  });
});
