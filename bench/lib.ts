/**
 * A tiny micro-benchmark harness: warm up, then call the function in growing batches for
 * a fixed wall-clock budget and report operations per second.
 */

export interface Measurement {
  name: string;
  opsPerSec: number;
  /** Calls made during the timed phase. */
  samples: number;
}

/** Last result of the measured function, kept (and exported) so the work cannot be discarded as dead. */
export let sink: unknown;

/** Call `fn` in batches for at least `budgetMs`; returns calls made and time spent. */
function runFor(fn: () => unknown, budgetMs: number): { calls: number; ms: number } {
  let batch = 1;
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    const batchStart = performance.now();
    for (let i = 0; i < batch; i += 1) sink = fn();
    calls += batch;
    const now = performance.now();
    elapsed = now - start;
    // Grow batches until one takes ~5 ms, so the clock is read rarely.
    if (now - batchStart < 5) batch *= 2;
  }
  return { calls, ms: elapsed };
}

/**
 * Measure `fn` (synchronous): a warm-up of a fifth of the budget, then `minMs`
 * (default 1000 ms) of timed calls.
 */
export async function measure(
  name: string,
  fn: () => unknown,
  opts: { minMs?: number } = {},
): Promise<Measurement> {
  const minMs = opts.minMs ?? 1000;
  runFor(fn, Math.max(20, minMs / 5));
  await new Promise((resolve) => setImmediate(resolve)); // let pending I/O and timers run
  const { calls, ms } = runFor(fn, minMs);
  return { name, opsPerSec: (calls / ms) * 1000, samples: calls };
}

function format(value: string | number): string {
  if (typeof value === 'string') return value;
  return value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 2 });
}

/** Print rows as an aligned text table (numbers right-aligned, columns from all rows' keys). */
export function printTable(rows: Array<Record<string, string | number>>): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((c) => format(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((c) => rows.every((row) => row[c] === undefined || typeof row[c] === 'number'));
  const line = (values: string[]): string =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

/** Deterministic PRNG (mulberry32): the same data on every run. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
