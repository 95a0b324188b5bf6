/**
 * Versioning of the knowledge graph: each publication whose content hash differs from the
 * latest one becomes version n+1 with the diff from version n; the earlier versions stay as
 * history (the backups of the seed's `amadeus/backups`). Publishing an unchanged graph
 * creates nothing.
 */
import { compare } from './services.ts';
import type { KgServiceNode, KnowledgeGraph } from './types.ts';

/** Added and removed members of a set-valued field. */
export interface SetChange {
  added: string[];
  removed: string[];
}

/** A changed scalar field. */
export interface ValueChange {
  from: string | null;
  to: string | null;
}

/** What changed in one service that exists in both versions (only changed fields are present). */
export interface ServiceChanges {
  description?: ValueChange;
  entity?: ValueChange;
  collection?: ValueChange;
  table?: ValueChange;
  dependencies?: SetChange;
  integration_points?: SetChange;
  capabilities?: SetChange;
  routes?: SetChange;
  events?: { emits?: SetChange; consumes?: SetChange };
}

export interface GraphDiff {
  from_hash: string;
  to_hash: string;
  services_added: string[];
  services_removed: string[];
  /** Services present in both with at least one change, by name. */
  changed: Array<{ service: string; fields: ServiceChanges }>;
  /** Event types that appear or disappear (emitted or consumed by anyone). */
  events_added: string[];
  events_removed: string[];
}

/** One published version. */
export interface VersionRecord {
  /** 1, 2, 3, … without gaps. */
  version: number;
  /** Content hash of `graph` (equal to `graph.hash`). */
  hash: string;
  /** RFC 3339. */
  published_at: string;
  /** The graph as published: its `version` and `last_updated` are this record's. */
  graph: KnowledgeGraph;
  /** Diff from the previous version; null for version 1. */
  changes_from_previous: GraphDiff | null;
}

/** A version without its graph: what `GET /api/kg/history` lists. */
export type VersionSummary = Omit<VersionRecord, 'graph'>;

/**
 * Storage of the published versions: `DynamoGraphHistory` (./store.ts), one item per version,
 * written with a condition on the version number so that concurrent publishers cannot both create
 * the same version; an in-memory one for unit tests (test/kit/graph-history.ts).
 */
export interface GraphHistory {
  /** The newest version, if any. */
  latest(): Promise<VersionRecord | undefined>;
  /**
   * Publish `graph`: a new version when its hash differs from the latest one's
   * (`created: true`), otherwise the latest record unchanged (`created: false`).
   */
  append(graph: KnowledgeGraph): Promise<{ record: VersionRecord; created: boolean }>;
  /** Up to `limit` versions, newest first. */
  list(limit?: number): Promise<VersionRecord[]>;
}

/** Default and largest page of {@link GraphHistory.list}. */
export const DEFAULT_HISTORY_LIMIT = 20;

const setChange = (prev: readonly string[], next: readonly string[]): SetChange | undefined => {
  const p = new Set(prev);
  const n = new Set(next);
  const added = [...n].filter((x) => !p.has(x)).sort(compare);
  const removed = [...p].filter((x) => !n.has(x)).sort(compare);
  return added.length || removed.length ? { added, removed } : undefined;
};

const valueChange = (from: string | null, to: string | null): ValueChange | undefined =>
  from === to ? undefined : { from, to };

/** Field-by-field changes of a service present in both versions (empty object when equal). */
export function diffService(prev: KgServiceNode, next: KgServiceNode): ServiceChanges {
  const fields: ServiceChanges = {};
  const put = <K extends keyof ServiceChanges>(k: K, v: ServiceChanges[K] | undefined): void => {
    if (v !== undefined) fields[k] = v;
  };
  put('description', valueChange(prev.description, next.description));
  put('entity', valueChange(prev.entity, next.entity));
  put('collection', valueChange(prev.collection, next.collection));
  put('table', valueChange(prev.table, next.table));
  put('dependencies', setChange(prev.dependencies, next.dependencies));
  put('integration_points', setChange(prev.integration_points, next.integration_points));
  put('capabilities', setChange(prev.capabilities, next.capabilities));
  put('routes', setChange(prev.routes, next.routes));
  const emits = setChange(prev.events.emits, next.events.emits);
  const consumes = setChange(prev.events.consumes, next.events.consumes);
  if (emits || consumes) fields.events = { ...(emits && { emits }), ...(consumes && { consumes }) };
  return fields;
}

/** What changed from `prev` to `next`. Derived fields (dependents, integrated_by) are not diffed: they follow. */
export function diffGraphs(prev: KnowledgeGraph, next: KnowledgeGraph): GraphDiff {
  const before = Object.keys(prev.services);
  const after = Object.keys(next.services);
  const changed: GraphDiff['changed'] = [];
  for (const name of after.filter((n) => Object.hasOwn(prev.services, n)).sort(compare)) {
    const fields = diffService(prev.services[name]!, next.services[name]!);
    if (Object.keys(fields).length > 0) changed.push({ service: name, fields });
  }
  const events = setChange(Object.keys(prev.events), Object.keys(next.events));
  const services = setChange(before, after);
  return {
    from_hash: prev.hash,
    to_hash: next.hash,
    services_added: services?.added ?? [],
    services_removed: services?.removed ?? [],
    changed,
    events_added: events?.added ?? [],
    events_removed: events?.removed ?? [],
  };
}

/** True when a diff records no change at all. */
export const isEmptyDiff = (d: GraphDiff): boolean =>
  d.services_added.length +
    d.services_removed.length +
    d.changed.length +
    d.events_added.length +
    d.events_removed.length ===
  0;

/**
 * The record publishing `graph` after `latest` would create, or undefined when the content
 * is unchanged (same hash). Shared by every {@link GraphHistory} implementation.
 */
export function nextVersionRecord(
  latest: VersionRecord | undefined,
  graph: KnowledgeGraph,
  publishedAt: Date,
): VersionRecord | undefined {
  if (latest && latest.hash === graph.hash) return undefined;
  const version = (latest?.version ?? 0) + 1;
  const published_at = publishedAt.toISOString();
  return {
    version,
    hash: graph.hash,
    published_at,
    graph: { ...graph, version, last_updated: published_at },
    changes_from_previous: latest ? diffGraphs(latest.graph, graph) : null,
  };
}

/** A record without its graph. */
export function summarize(record: VersionRecord): VersionSummary {
  const { graph: _graph, ...summary } = record;
  return summary;
}

/** Page size for a history listing: {@link DEFAULT_HISTORY_LIMIT} when absent or not a number, else clamped to 1…`max`. */
export function historyLimit(limit: number | undefined, max = 100): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_HISTORY_LIMIT;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}
