/**
 * Daily event counters (pure part): which counters an event increments, and the summary
 * built from counter rows. Table `_analytics_counters` (partition `pk`, sort `sk`):
 *
 *   pk `day#<yyyy-mm-dd>`  sk `total` | `type#<event type>` | `tag#<tag>` | `feature#<feature>`   count (ADD)
 *   pk `event#<envelope id>`  sk `seen`   marker, TTL `expires_at` (8 days)
 *
 * An event's marker and its increments are ONE transaction conditional on the marker not
 * existing: a redelivered event changes nothing. A day is one partition, so a summary of
 * N days is N Queries — counters, never a scan of events.
 */
import type { EventEnvelope } from '../events/envelope.ts';

/** Tags and features counted per event, at most (the metadata caps them at 24 each too). */
export const MAX_TAGS_COUNTED = 24;
export const MAX_FEATURES_COUNTED = 24;
/** Longest tag or feature value counted (longer ones are skipped). */
export const MAX_VALUE_LENGTH = 128;
/** Markers outlive EventBridge's 24 h retry window and Lambda's 6 h async event age. */
export const MARKER_TTL_SECONDS = 8 * 24 * 3600;
/** Widest summary range (declared with the route). */
export { MAX_RANGE_DAYS } from './contract-routes.ts';

export type CounterKind = 'total' | 'type' | 'tag' | 'feature';

export interface CounterKey {
  pk: string;
  sk: string;
  kind: CounterKind;
  /** The type, tag or feature counted ('' for the total). */
  name: string;
}

export const dayPartition = (day: string): string => `day#${day}`;
export const markerKey = (envelopeId: string) => ({ pk: `event#${envelopeId}`, sk: 'seen' });

/** `yyyy-mm-dd` (UTC) of an RFC 3339 time. */
export function dayOf(occurredAt: string): string {
  const t = Date.parse(occurredAt);
  if (Number.isNaN(t)) throw new Error(`not a date-time: ${occurredAt}`);
  return new Date(t).toISOString().slice(0, 10);
}

const values = (v: unknown, max: number): string[] =>
  Array.isArray(v)
    ? [
        ...new Set(
          v.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_VALUE_LENGTH),
        ),
      ].slice(0, max)
    : [];

/** The counters one event increments: the day's total, its type, each tag, each feature. */
export function counterKeys(e: EventEnvelope): CounterKey[] {
  const pk = dayPartition(dayOf(e.occurred_at));
  return [
    { pk, sk: 'total', kind: 'total', name: '' },
    { pk, sk: `type#${e.type}`, kind: 'type', name: e.type },
    ...values(e.metadata?.tags, MAX_TAGS_COUNTED).map(
      (t): CounterKey => ({ pk, sk: `tag#${t}`, kind: 'tag', name: t }),
    ),
    ...values(e.metadata?.features, MAX_FEATURES_COUNTED).map(
      (f): CounterKey => ({ pk, sk: `feature#${f}`, kind: 'feature', name: f }),
    ),
  ];
}

export interface DaySummary {
  date: string;
  events: number;
  types: Record<string, number>;
  tags: Record<string, number>;
  features: Record<string, number>;
}

export interface Summary {
  from: string;
  to: string;
  totals: Omit<DaySummary, 'date'>;
  days: DaySummary[];
}

/** Every day from `from` to `to` inclusive (`yyyy-mm-dd`). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A day's summary from its counter rows (`{ sk, count }`). */
export function daySummary(date: string, rows: ReadonlyArray<{ sk: string; count?: unknown }>): DaySummary {
  const day: DaySummary = { date, events: 0, types: {}, tags: {}, features: {} };
  for (const r of rows) {
    const n = Number(r.count ?? 0);
    if (r.sk === 'total') day.events = n;
    const i = r.sk.indexOf('#');
    if (i < 0) continue;
    const kind = r.sk.slice(0, i);
    const name = r.sk.slice(i + 1);
    if (kind === 'type') day.types[name] = n;
    else if (kind === 'tag') day.tags[name] = n;
    else if (kind === 'feature') day.features[name] = n;
  }
  return day;
}

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

export function summarize(from: string, to: string, days: DaySummary[]): Summary {
  const totals = { events: 0, types: {}, tags: {}, features: {} } as Summary['totals'];
  for (const d of days) {
    totals.events += d.events;
    add(totals.types, d.types);
    add(totals.tags, d.tags);
    add(totals.features, d.features);
  }
  return { from, to, totals, days };
}
