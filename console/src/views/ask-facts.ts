/** How the Ask view tabulates an answer's facts (pure: unit-tested in test/unit/console/console.test.ts). */

/** A fact of `POST /api/converse`: a kind and the fields of that kind. */
export type Fact = Record<string, unknown> & { kind: string };

/** Facts grouped by kind, each group with the columns its facts have (kind first, then in order met). */
export function factTables(facts: readonly Fact[]): { kind: string; columns: string[]; rows: Fact[] }[] {
  const groups = new Map<string, { kind: string; columns: string[]; rows: Fact[] }>();
  for (const f of facts) {
    const g = groups.get(f.kind) ?? { kind: f.kind, columns: [], rows: [] };
    groups.set(f.kind, g);
    g.rows.push(f);
    for (const k of Object.keys(f)) if (k !== 'kind' && !g.columns.includes(k)) g.columns.push(k);
  }
  return [...groups.values()];
}

/** A fact's value as a table cell shows it. */
export function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
