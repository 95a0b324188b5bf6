/**
 * Registry consistency: the checks `npm test` runs on the live registry (and the CLI's
 * `tempora kg check`). Every problem is reported, not just the first.
 */
import { canonicalCycle, elementaryCycles, formatCycle } from './cycles.ts';
import {
  allServices,
  compare,
  emitsOf,
  eventMatches,
  externalNames,
  isWildcard,
  routeKeysOf,
} from './services.ts';
import type { KgServiceInput } from './types.ts';

/**
 * A dependency cycle that is expected, with the reason. Either a hub — every cycle through
 * that service is expected — or one exact cycle (services in dependency order, any rotation:
 * `['content', 'search']` is content → search → content) that does not pass through a hub.
 */
export type DeclaredCycle =
  | { readonly through: string; readonly reason: string }
  | { readonly cycle: readonly string[]; readonly reason: string };

/**
 * The dependency cycles the platform has on purpose. Any other cycle fails the check.
 * Add one here only with its reason; a declaration that no longer matches a real cycle
 * fails the check too (`stale_declared_cycle`), so the list stays honest.
 */
export const DECLARED_CYCLES: readonly DeclaredCycle[] = [
  {
    through: 'security',
    reason:
      'security audits every service, so it depends on all of them, while user (and so everything built on user) ' +
      'depends on security for policies: every cycle through security is expected.',
  },
  {
    cycle: ['content', 'search'],
    reason: 'content serves full-text feeds through search; search indexes content.',
  },
  {
    cycle: ['content', 'moderation'],
    reason: 'content gates publication on moderation; moderation reviews content.',
  },
];

export type ProblemKind =
  | 'duplicate_service'
  | 'unknown_dependency'
  | 'unknown_integration'
  | 'orphan_consumer'
  | 'undeclared_cycle'
  | 'stale_declared_cycle'
  | 'duplicate_route'
  | 'duplicate_table'
  | 'duplicate_collection'
  | 'duplicate_entity';

export interface Problem {
  kind: ProblemKind;
  message: string;
  /** The service at fault, when there is one. */
  service?: string;
}

export interface ConsistencyOptions {
  declaredCycles?: readonly DeclaredCycle[];
  /**
   * Names a dependency or integration point may use although `services` does not define
   * them (platform services not registered yet, see `externalNames`). Default none.
   */
  external?: readonly string[];
}

export interface ConsistencyReport {
  ok: boolean;
  /** Sorted by kind, then message. */
  problems: Problem[];
  /** Every dependency cycle found (canonical form), the declared ones included. */
  cycles: string[][];
  /** What was checked, for a summary line. */
  checked: { services: number; dependencies: number; integration_points: number; events_consumed: number };
}

/**
 * Check `services`: each dependency and integration point names a service (defined or
 * external); each consumed event type has a producer; routes, tables, collections, entities
 * and names are unique; every dependency cycle is declared; every declaration is still real.
 */
export function checkConsistency(
  services: readonly KgServiceInput[],
  opts: ConsistencyOptions = {},
): ConsistencyReport {
  const problems: Problem[] = [];
  const declared = opts.declaredCycles ?? [];
  const defined = new Set(services.map((s) => s.name));
  const known = new Set([...defined, ...(opts.external ?? [])]);

  // Names and unique resources.
  for (const [kind, what, values] of UNIQUE) duplicates(services, values, kind, what, problems);

  // References.
  let dependencies = 0;
  let integrations = 0;
  for (const s of services) {
    for (const d of s.dependencies) {
      dependencies += 1;
      if (!known.has(d))
        problems.push({
          kind: 'unknown_dependency',
          service: s.name,
          message: `${s.name} depends on unknown service "${d}"`,
        });
    }
    for (const i of s.integrationPoints) {
      integrations += 1;
      if (!known.has(i))
        problems.push({
          kind: 'unknown_integration',
          service: s.name,
          message: `${s.name} integrates with unknown service "${i}"`,
        });
    }
  }

  // Events.
  const produced = new Set(services.flatMap(emitsOf));
  let consumed = 0;
  for (const s of services) {
    for (const e of s.consumes) {
      consumed += 1;
      const ok = isWildcard(e) ? [...produced].some((p) => eventMatches(e, p)) : produced.has(e);
      if (!ok)
        problems.push({
          kind: 'orphan_consumer',
          service: s.name,
          message: `${s.name} consumes "${e}", which no service emits`,
        });
    }
  }

  // Cycles.
  const adj = new Map<string, string[]>();
  for (const s of services)
    adj.set(s.name, [...(adj.get(s.name) ?? []), ...s.dependencies.filter((d) => defined.has(d))]);
  for (const [n, succ] of adj) adj.set(n, [...new Set(succ)].sort(compare));
  const cycles = elementaryCycles(adj).cycles;
  problems.push(...cycleProblems(cycles, declared, defined));

  problems.sort((a, b) => compare(a.kind, b.kind) || compare(a.message, b.message));
  return {
    ok: problems.length === 0,
    problems,
    cycles,
    checked: {
      services: services.length,
      dependencies,
      integration_points: integrations,
      events_consumed: consumed,
    },
  };
}

/**
 * The check `npm test` and `tempora kg check` run: the live services against
 * {@link DECLARED_CYCLES}, with the contract's platform services accepted as targets
 * while the registry does not define them.
 */
export function checkRegistry(services: readonly KgServiceInput[] = allServices()): ConsistencyReport {
  return checkConsistency(services, { declaredCycles: DECLARED_CYCLES, external: externalNames(services) });
}

/**
 * The declaration that allows `cycle` (any rotation): the first hub it passes through,
 * else an exact declaration of it; undefined when it is undeclared.
 */
export function declarationOf(
  cycle: readonly string[],
  declared: readonly DeclaredCycle[] = DECLARED_CYCLES,
): DeclaredCycle | undefined {
  const hub = declared.find((d) => 'through' in d && cycle.includes(d.through));
  if (hub) return hub;
  const key = canonicalCycle(cycle).join('\u0000');
  return declared.find((d) => 'cycle' in d && canonicalCycle(d.cycle).join('\u0000') === key);
}

/** Undeclared cycles, and declarations that match nothing. */
function cycleProblems(
  cycles: string[][],
  declared: readonly DeclaredCycle[],
  defined: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = [];
  const used = new Set<DeclaredCycle>();
  for (const c of cycles) {
    const d = declarationOf(c, declared);
    if (d) {
      used.add(d);
      // A cycle through several hubs justifies each of them.
      for (const h of declared) if ('through' in h && c.includes(h.through)) used.add(h);
      continue;
    }
    problems.push({
      kind: 'undeclared_cycle',
      service: c[0],
      message: `undeclared dependency cycle ${formatCycle(c)} (declare it in DECLARED_CYCLES with a reason, or break it)`,
    });
  }
  for (const d of declared) {
    if (used.has(d)) continue;
    let message: string;
    if ('through' in d)
      message = defined.has(d.through)
        ? `declared cycles through "${d.through}" but "${d.through}" is in no dependency cycle`
        : `declared cycles through unknown service "${d.through}"`;
    else
      message = `declared cycle ${formatCycle(canonicalCycle(d.cycle))} does not exist (or passes through a declared hub)`;
    problems.push({ kind: 'stale_declared_cycle', message });
  }
  return problems;
}

/** What must be unique across services: problem kind, what it is, the values of one service. */
const UNIQUE: ReadonlyArray<[ProblemKind, string, (s: KgServiceInput) => readonly string[]]> = [
  ['duplicate_service', 'service name', (s) => [s.name]],
  ['duplicate_route', 'route', routeKeysOf],
  ['duplicate_table', 'table', (s) => (s.table ? [s.table] : [])],
  ['duplicate_collection', 'collection', (s) => (s.collection ? [`/api/${s.collection}`] : [])],
  ['duplicate_entity', 'entity type', (s) => (s.entity ? [s.entity] : [])],
];

/** Report every value that more than one service claims (or one service claims twice). */
function duplicates(
  services: readonly KgServiceInput[],
  values: (s: KgServiceInput) => readonly string[],
  kind: ProblemKind,
  what: string,
  out: Problem[],
): void {
  const owners = new Map<string, string[]>();
  for (const s of services) for (const v of values(s)) owners.set(v, [...(owners.get(v) ?? []), s.name]);
  for (const [v, o] of owners)
    if (o.length > 1)
      out.push({ kind, service: o[0]!, message: `${what} "${v}" is claimed by ${o.join(', ')}` });
}
