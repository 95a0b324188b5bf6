/**
 * The registry consistency check that `npm test` runs: the live registry must pass it, and
 * a broken registry fixture must fail it with every one of its problems listed.
 */
import { describe, expect, it } from 'vitest';
import {
  allServices,
  checkConsistency,
  checkRegistry,
  DECLARED_CYCLES,
  declarationOf,
  externalNames,
  type KgServiceInput,
} from '../../../lib/amadeus/index.ts';
import { registry } from '../../../lib/registry/index.ts';
import { BROKEN_SERVICES, EXPECTED_PROBLEMS } from '../../fixtures/amadeus/broken-registry.ts';
import { KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';

describe('the live registry', () => {
  const report = checkRegistry();

  it('is consistent: known references, produced events, unique resources, only declared cycles', () => {
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checked.services).toBe(allServices().length);
    expect(report.cycles.length).toBeGreaterThan(0); // security's cycles, all declared
  });

  it('reads every registry service', () => {
    const names = new Set(allServices().map((s) => s.name));
    for (const s of registry) expect(names.has(s.name)).toBe(true);
  });

  it('accepts the platform services as targets only while the registry does not define them', () => {
    const strict = checkConsistency(allServices(), { declaredCycles: DECLARED_CYCLES });
    const external = externalNames(allServices());
    if (external.length === 0) expect(strict.problems).toEqual([]);
    else
      expect(strict.problems.map((p) => p.message)).toContain(
        'campaign integrates with unknown service "nexus"',
      );
  });

  it('declares each allowed cycle with a reason, and every declaration matches a real cycle', () => {
    for (const d of DECLARED_CYCLES) expect(d.reason.length).toBeGreaterThan(20);
    for (const c of report.cycles) expect(declarationOf(c), c.join(' → ')).toBeDefined();
    expect(report.problems.filter((p) => p.kind === 'stale_declared_cycle')).toEqual([]);
  });
});

describe('a broken registry', () => {
  const report = checkConsistency(BROKEN_SERVICES, { declaredCycles: [] });

  it('fails, listing each problem exactly', () => {
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(EXPECTED_PROBLEMS);
  });

  it('accepts an event emitted by a derived CRUD event of another service', () => {
    expect(report.problems.map((p) => p.message).join('\n')).not.toContain('cart.updated');
  });

  it('passes the cycle once it is declared, and reports a stale declaration', () => {
    const declared = checkConsistency(BROKEN_SERVICES, {
      declaredCycles: [{ cycle: ['stock', 'pricing'], reason: 'declared for the test' }],
    });
    expect(declared.problems.map((p) => p.kind)).not.toContain('undeclared_cycle');
    const stale = checkConsistency(KNOWN_SERVICES, {
      declaredCycles: [
        { through: 'a', reason: 'hub' },
        { cycle: ['d', 'e'], reason: 'not a cycle' },
        { through: 'e', reason: 'in no cycle' },
        { through: 'zz', reason: 'unknown' },
      ],
      external: ['nexus'],
    });
    expect(stale.problems).toEqual([
      {
        kind: 'stale_declared_cycle',
        message: 'declared cycle d → e → d does not exist (or passes through a declared hub)',
      },
      {
        kind: 'stale_declared_cycle',
        message: 'declared cycles through "e" but "e" is in no dependency cycle',
      },
      { kind: 'stale_declared_cycle', message: 'declared cycles through unknown service "zz"' },
    ]);
  });
});

describe('each check on its own', () => {
  const base = (name: string, s: Partial<KgServiceInput> = {}): KgServiceInput => ({
    name,
    description: name,
    entity: name,
    collection: name,
    table: `service_${name}_main`,
    verbs: [],
    capabilities: [],
    dependencies: [],
    integrationPoints: [],
    emits: [],
    consumes: [],
    ...s,
  });
  const kinds = (services: KgServiceInput[]) => checkConsistency(services).problems.map((p) => p.kind);

  it('reports a self-dependency as an undeclared cycle', () => {
    expect(checkConsistency([base('a', { dependencies: ['a'] })]).problems).toEqual([
      {
        kind: 'undeclared_cycle',
        service: 'a',
        message:
          'undeclared dependency cycle a → a (declare it in DECLARED_CYCLES with a reason, or break it)',
      },
    ]);
  });

  it('reports duplicate names, routes, collections and entities', () => {
    expect(kinds([base('a'), base('a')])).toEqual(
      expect.arrayContaining([
        'duplicate_service',
        'duplicate_route',
        'duplicate_collection',
        'duplicate_entity',
      ]),
    );
    expect(kinds([base('a'), base('b', { collection: 'a', entity: 'bee' })])).toEqual([
      'duplicate_collection',
      // health, POST, GET list, GET/PATCH/DELETE one: health lives under the collection too.
      ...Array(6).fill('duplicate_route'),
    ]);
    expect(
      kinds([
        base('a', { routes: [{ method: 'GET', path: '/api/x', summary: 'x' }] }),
        base('b', { routes: [{ method: 'GET', path: '/api/x', summary: 'x' }] }),
      ]),
    ).toEqual(['duplicate_route']);
  });

  it('accepts a wildcard subscription when something matches it, and only then', () => {
    expect(kinds([base('a'), base('b', { consumes: ['*', 'a.*'] })])).toEqual([]);
    expect(checkConsistency([base('a'), base('b', { consumes: ['zz.*'] })]).problems).toEqual([
      { kind: 'orphan_consumer', service: 'b', message: 'b consumes "zz.*", which no service emits' },
    ]);
  });

  it('passes a clean registry', () => {
    expect(
      checkConsistency([base('a'), base('b', { dependencies: ['a'], consumes: ['a.created'] })]).ok,
    ).toBe(true);
  });
});
