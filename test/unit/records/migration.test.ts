/** The pure part of migrations: operations on one record, validation, the request's shape. */
import { describe, expect, it } from 'vitest';
import type { MetadataRecord } from '../../../lib/records/contract.ts';
import { migrationRequestSchema } from '../../../lib/records/contract.ts';
import { matchesFilter, migrateRecord } from '../../../lib/records/migration.ts';

const record = (metadata: Record<string, unknown>, extra: Partial<MetadataRecord> = {}): MetadataRecord =>
  ({
    id: '01',
    type: 'view',
    name: 'a',
    namespace: 'crm',
    scope: 'platform',
    metadata,
    strategy: 'merge',
    validation: 'strict',
    owner: 'me',
    state: 'active',
    version: 1,
    created_by: 'me',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_by: 'me',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...extra,
  }) as MetadataRecord;

describe('migrateRecord', () => {
  it('applies set, unset, rename and merge in order, and reports the changes', () => {
    const r = record({ tags: ['x'], custom_rules: { a: 1, b: { c: 2 } } });
    const out = migrateRecord(r, [
      { op: 'rename', path: 'metadata.custom_rules.a', to: 'metadata.custom_rules.z' },
      { op: 'unset', path: 'metadata.custom_rules.b' },
      { op: 'merge', path: 'metadata.custom_rules', value: { m: true } },
      { op: 'set', path: 'state', value: 'draft' },
    ]);
    expect(out.kind).toBe('changed');
    if (out.kind !== 'changed') return;
    expect(out.record.metadata).toEqual({ tags: ['x'], custom_rules: { z: 1, m: true } });
    expect(out.record.state).toBe('draft');
    expect(r.metadata).toEqual({ tags: ['x'], custom_rules: { a: 1, b: { c: 2 } } }); // untouched
    expect(out.changes.map((c) => c.path)).toEqual([
      'metadata.custom_rules',
      'metadata.custom_rules.a',
      'metadata.custom_rules.b',
      'metadata.custom_rules.z',
      'state',
    ]);
  });

  it('a no-op is unchanged; a value failing the record schema is invalid, named by path', () => {
    expect(
      migrateRecord(record({ tags: ['x'] }), [{ op: 'set', path: 'metadata.tags', value: ['x'] }]).kind,
    ).toBe('unchanged');
    const bad = migrateRecord(record({}), [{ op: 'set', path: 'metadata.tags', value: 3 }]);
    expect(bad.kind).toBe('invalid');
    if (bad.kind === 'invalid') expect(bad.issues[0]?.path).toBe('metadata.tags');
    const state = migrateRecord(record({}), [{ op: 'set', path: 'state', value: 'gone' }]);
    expect(state.kind === 'invalid' && state.issues[0]?.path).toBe('state');
    const rule = migrateRecord(
      record({ custom_rules: { sku: 'T', currency: 'EUR', amount: 1 } }, { type: 'pricing_rule' }),
      [{ op: 'set', path: 'metadata.custom_rules.amount', value: -1 }],
    );
    expect(rule.kind === 'invalid' && rule.issues[0]?.path).toBe('metadata.custom_rules.amount');
  });

  it('matchesFilter follows type, namespace, scope and state', () => {
    expect(matchesFilter(record({}), { type: 'view', namespace: 'crm' })).toBe(true);
    expect(matchesFilter(record({}, { state: 'archived' }), { type: 'view', state: 'active' })).toBe(false);
  });
});

describe('migration request', () => {
  const base = { id: 'm1', filter: { type: 'view' } };
  const paths = (body: unknown) => {
    const r = migrationRequestSchema.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  it('names each bad operation field', () => {
    expect(paths({ ...base, operations: [{ op: 'set', path: 'metadata.a', value: 1 }] })).toEqual([]);
    expect(paths({ ...base, operations: [{ op: 'set', path: 'metadata..a', value: 1 }] })).toEqual([
      'operations.0.path',
    ]);
    expect(paths({ ...base, operations: [{ op: 'unset', path: 'state' }] })).toEqual(['operations.0.op']);
    expect(paths({ ...base, operations: [{ op: 'merge', path: 'metadata.a', value: [1] }] })).toEqual([
      'operations.0.value',
    ]);
    expect(
      paths({ ...base, operations: [{ op: 'rename', path: 'metadata.a', to: 'metadata.a.b' }] }),
    ).toEqual(['operations.0.to']);
    expect(paths({ ...base, id: 'Bad Id', operations: [] })).toEqual(['id', 'operations']);
  });
});
