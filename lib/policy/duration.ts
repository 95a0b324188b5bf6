/**
 * ISO 8601 durations (`P90D`, `P1Y2M`, `PT15S`) added to an instant with calendar arithmetic
 * in UTC: years and months move the calendar, weeks/days/hours/minutes/seconds are exact.
 */
import { ISO_DURATION_RE as RE } from '../entity-metadata/constants.ts';

export function isFiniteRetention(retention: string): boolean {
  return retention !== 'forever' && RE.test(retention);
}

export function addDuration(from: Date, iso: string): Date {
  const m = RE.exec(iso);
  if (!m) throw new Error(`Not an ISO 8601 duration: ${iso}`);
  const n = (i: number) => Number(m[i] ?? 0);
  // Years and months move the calendar, clamped to the target month's last day (Jan 31 + P1M = Feb 28/29).
  const months = from.getUTCMonth() + n(2) + 12 * n(1);
  const year = from.getUTCFullYear() + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const d = new Date(from.getTime());
  d.setUTCFullYear(year, month, Math.min(from.getUTCDate(), lastDay));
  const ms = (((n(3) * 7 + n(4)) * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000;
  return new Date(d.getTime() + ms);
}
