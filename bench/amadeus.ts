/**
 * Amadeus benchmark: impact analysis of every service on the full registry (what
 * `GET /api/kg/impact/{name}` computes per request), plus building the graph, finding every
 * cycle, the consistency check and the Mermaid diagram.
 */
import {
  allServices,
  buildGraph,
  checkRegistry,
  findCycles,
  impact,
  toMermaid,
} from '../lib/amadeus/index.ts';
import { type Measurement, measure, printTable } from './lib.ts';

const row = (m: Measurement, extra: Record<string, string | number> = {}) => ({
  benchmark: m.name,
  'ops/s': Math.round(m.opsPerSec),
  'µs/op': Number((1e6 / m.opsPerSec).toFixed(2)),
  samples: m.samples,
  ...extra,
});

/** Run the Amadeus benchmark and print one table. */
export async function runAmadeusBench(): Promise<void> {
  const services = allServices();
  const graph = buildGraph(services);
  const names = Object.keys(graph.services);
  console.log(
    `${names.length} services, ${graph.edges.length} edges, ${findCycles(graph).cycles.length} cycles`,
  );

  const rows = [
    row(await measure('buildGraph(registry)', () => buildGraph(services), { minMs: 500 })),
    row(await measure('findCycles(graph)', () => findCycles(graph), { minMs: 300 })),
    row(await measure('checkRegistry()', () => checkRegistry(services), { minMs: 300 })),
    row(await measure('toMermaid(graph)', () => toMermaid(graph), { minMs: 300 })),
  ];
  let total = 0;
  for (const name of names) {
    const m = await measure(`impact(graph, ${name})`, () => impact(graph, name), { minMs: 200 });
    total += 1e6 / m.opsPerSec;
    rows.push(row(m, { cycles: impact(graph, name).cycles.length }));
  }
  const all = await measure('impact of every service', () => names.map((n) => impact(graph, n)), {
    minMs: 500,
  });
  rows.push(row(all));
  printTable(rows);
  console.log(`impact: ${(total / names.length).toFixed(1)} µs/op on average over ${names.length} services`);
}
