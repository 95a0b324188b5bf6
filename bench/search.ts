/**
 * Search (issue 6) on the emulator's DynamoDB, 10,000 entities: query latency of the search
 * index (lib/search: SearchIndex.search — Queries of word and typo partitions, one BatchGet
 * to confirm the hits) versus a filtered Scan of the same entities
 * (`contains(title_lc, :q)`, every page), per kind of query: exact word, prefix, one typo
 * (the Scan cannot find those at all: its recall is shown), two words.
 *
 * Runs against the emulator named by AWS_ENDPOINT_URL or `.local/outputs.json` (skipped
 * with a message when there is none), on two throwaway tables it creates and deletes.
 * The index is loaded through SearchIndex.index(), the same code the search service runs
 * for each entity event.
 *
 * Env: BENCH_SEARCH_ENTITIES (10000; 2000 with BENCH_QUICK=1), BENCH_SEARCH_QUERIES (10 per
 * kind), BENCH_SEARCH_LOAD_CONCURRENCY (16).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SearchDoc } from '../lib/search/fields.ts';
import { SearchIndex } from '../lib/search/search-index.ts';
import { tokenize } from '../lib/search/text.ts';
import { batchPut, type Emulator, emulator, percentile, tempTable } from './emulator.ts';
import { printTable, rng } from './lib.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_SEARCH_ENTITIES ?? (QUICK ? 2_000 : 10_000));
const PER_KIND = Number(process.env.BENCH_SEARCH_QUERIES ?? 10);
const LOAD_CONCURRENCY = Number(process.env.BENCH_SEARCH_LOAD_CONCURRENCY ?? 16);
const TYPES = ['campaign', 'content', 'talent'];

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'bra',
  'cor',
  'dun',
  'fel',
  'gri',
  'hol',
  'jas',
  'mor',
  'pel',
  'quin',
  'ster',
];

interface Data {
  docs: SearchDoc[];
  vocabulary: string[];
}

function generate(n: number): Data {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const vocab = new Set<string>();
  while (vocab.size < 3000)
    vocab.add(Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(SYLLABLES)).join(''));
  const vocabulary = [...vocab];
  const tags = Array.from({ length: 50 }, (_, i) => `tag${i}`);
  const docs: SearchDoc[] = [];
  for (let i = 0; i < n; i++) {
    const title = Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(vocabulary)).join(' ');
    const tag = pick(tags);
    const entity_type = TYPES[i % TYPES.length] as string;
    docs.push({
      entity_type,
      id: `E${String(i).padStart(6, '0')}`,
      rv: 2,
      deleted: false,
      title,
      state: 'active',
      owner_id: 'bench',
      tags: [tag],
      features: [],
      updated_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      terms: [
        ...tokenize(title).map((term) => ({ term, from: 'text' as const })),
        { term: tag, from: 'tag' as const },
      ],
    });
  }
  return { docs, vocabulary };
}

interface Query {
  kind: 'exact' | 'prefix' | 'typo' | 'two words';
  q: string;
}

function queries(data: Data): Query[] {
  const r = rng(7);
  const titleWords = () => tokenize(data.docs[Math.floor(r() * data.docs.length)]?.title ?? '');
  const out: Query[] = [];
  for (let i = 0; i < PER_KIND; i++) {
    const words = titleWords();
    const w = words[0] ?? 'kalo';
    out.push({ kind: 'exact', q: w });
    out.push({ kind: 'prefix', q: w.slice(0, 4) });
    const at = 1 + Math.floor(r() * (w.length - 2));
    out.push({ kind: 'typo', q: `${w.slice(0, at)}${w[at] === 'x' ? 'y' : 'x'}${w.slice(at + 1)}` });
    out.push({ kind: 'two words', q: `${w} ${(words[1] ?? w).slice(0, 3)}` });
  }
  return out;
}

async function load(em: Emulator, index: SearchIndex, scanTable: string, docs: SearchDoc[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: LOAD_CONCURRENCY }, async () => {
      while (next < docs.length) {
        const d = docs[next++];
        if (d) await index.index(d);
      }
    }),
  );
  // The Scan baseline: the same entities as plain items (title lower-cased for `contains`).
  const items = docs.map((d) => ({
    id: `${d.entity_type}#${d.id}`,
    entity_type: d.entity_type,
    title: d.title,
    title_lc: d.title.toLowerCase(),
    tags: d.tags,
    updated_at: d.updated_at,
  }));
  await batchPut(em, scanTable, items);

  return performance.now() - started;
}

/** Every page of `contains(title_lc, :w)` for each word of q (AND): what a Scan-based search does. */
async function scanSearch(
  em: Emulator,
  table: string,
  q: string,
): Promise<{ found: number; scanned: number }> {
  const words = tokenize(q);
  const values: Record<string, string> = {};
  const filter = words
    .map((w, i) => {
      values[`:w${i}`] = w;
      return `contains(title_lc, :w${i})`;
    })
    .join(' AND ');
  let found = 0;
  let scanned = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await em.ddb.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: filter,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: start,
      }),
    );
    found += out.Count ?? 0;
    scanned += out.ScannedCount ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return { found, scanned };
}

export async function runSearchBench(): Promise<void> {
  const em = await emulator();
  if (!em) return;
  const data = generate(N);
  const indexTable = await tempTable(em, 'search-index', { pk: 'pk', sk: 'sk' });
  const scanTable = await tempTable(em, 'search-scan', { pk: 'id' });
  try {
    const index = new SearchIndex(em.ddb, indexTable.name);
    console.log(`  loading ${N.toLocaleString('en-US')} entities (index + scan table) on ${em.endpoint} …`);
    const loadMs = await load(em, index, scanTable.name, data.docs);
    console.log(
      `  loaded in ${(loadMs / 1000).toFixed(1)} s: ${index.stats.writes.toLocaleString('en-US')} index rows written`,
    );
    const qs = queries(data);
    const rows: Array<Record<string, string | number>> = [];
    const all = { search: [] as number[], scan: [] as number[] };
    for (const kind of ['exact', 'prefix', 'typo', 'two words'] as const) {
      const mine = qs.filter((q) => q.kind === kind);
      const searchMs: number[] = [];
      const scanMs: number[] = [];
      let searchFound = 0;
      let scanFound = 0;
      let reads = 0;
      let scanned = 0;
      for (const { q } of mine) {
        const before = { ...index.stats };
        let t = performance.now();
        const hits = await index.search({
          terms: tokenize(q),
          limit: 20,
          visibility: () => 'all',
          caller: 'bench',
        });
        searchMs.push(performance.now() - t);
        searchFound += hits.length > 0 ? 1 : 0;
        reads += index.stats.rowsRead - before.rowsRead;
        t = performance.now();
        const s = await scanSearch(em, scanTable.name, q);
        scanMs.push(performance.now() - t);
        scanFound += s.found > 0 ? 1 : 0;
        scanned += s.scanned;
      }
      all.search.push(...searchMs);
      all.scan.push(...scanMs);
      rows.push({
        query: kind,
        n: mine.length,
        'index p50 ms': percentile(searchMs, 50),
        'index p95 ms': percentile(searchMs, 95),
        'scan p50 ms': percentile(scanMs, 50),
        'scan p95 ms': percentile(scanMs, 95),
        'ratio p50 (scan/index)': percentile(scanMs, 50) / percentile(searchMs, 50),
        'index rows read/q': reads / mine.length,
        'scan items read/q': scanned / mine.length,
        'found (index)': `${searchFound}/${mine.length}`,
        'found (scan)': `${scanFound}/${mine.length}`,
      });
    }
    rows.push({
      query: 'all',
      n: qs.length,
      'index p50 ms': percentile(all.search, 50),
      'index p95 ms': percentile(all.search, 95),
      'scan p50 ms': percentile(all.scan, 50),
      'scan p95 ms': percentile(all.scan, 95),
      'ratio p50 (scan/index)': percentile(all.scan, 50) / percentile(all.search, 50),
    });
    printTable(rows);
    console.log(
      `  ratio (median Scan latency / median search latency, ${N.toLocaleString('en-US')} entities): ` +
        `${(percentile(all.scan, 50) / percentile(all.search, 50)).toFixed(1)}×`,
    );
  } finally {
    await indexTable.drop();
    await scanTable.drop();
  }
}
