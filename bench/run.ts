/**
 * Run the registered benchmarks in sequence: `npx tsx bench/run.ts [filter ...]`
 * (a bench runs when its name contains one of the filters; all run without filters).
 */
import { runAmadeusBench } from './amadeus.ts';
import { runAuthBench } from './auth.ts';
import { runBroadcastBench } from './broadcast.ts';
import { runBroadcastDeltaBench } from './broadcast-delta.ts';
import { runBundleBench } from './bundles.ts';
import { runListsBench } from './lists.ts';
import { runMetadataBench } from './metadata.ts';
import { runRecordsCacheBench } from './records-cache.ts';
import { runSchedulerBench } from './scheduler.ts';
import { runSearchBench } from './search.ts';

/** A bench may return its summary line: it is printed last, after the timing line. */
const benches: Array<[string, () => Promise<unknown>]> = [
  ['metadata', runMetadataBench],
  ['bundles', runBundleBench],
  ['lists', runListsBench],
  ['records-cache', runRecordsCacheBench],
  ['scheduler', runSchedulerBench],
  ['search', runSearchBench],
  ['broadcast', runBroadcastBench],
  // After `broadcast`: `npm run bench -- broadcast` runs both and ends with its summary line.
  ['broadcast-delta', runBroadcastDeltaBench],
  ['amadeus', runAmadeusBench],
  ['auth', runAuthBench],
];

const filters = process.argv.slice(2);
const selected = benches.filter(([name]) => filters.length === 0 || filters.some((f) => name.includes(f)));

if (selected.length === 0) {
  console.error(`No bench matches "${filters.join(' ')}". Known: ${benches.map(([n]) => n).join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`node ${process.version} on ${process.platform}/${process.arch}`);
}

for (const [i, [name, run]] of selected.entries()) {
  console.log(`\n[${i + 1}/${selected.length}] ${name} …`);
  const start = performance.now();
  const summary = await run();
  // On stderr, so a bench's stdout ends with its own summary line.
  console.error(
    `[${i + 1}/${selected.length}] ${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  if (typeof summary === 'string') console.log(summary);
}
