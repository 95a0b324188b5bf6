/**
 * The cost of reads that see your own writes (issue 25, lib/records/reads.ts), against the
 * emulator's DynamoDB, side by side in one process:
 *
 * - old hit: the former per-instance TTL cache answering from memory (what a GET cost before,
 *   and why it could return a version older than a completed write);
 * - checked hit: the cache now, served after a consistent read of the record's stamp (id,
 *   version: GetItem with a projection), or for an effective view of a 3-record chain, one
 *   consistent BatchGetItem of the chain's stamps;
 * - no cache: a consistent GetItem of the whole record (of each record of the chain, in turn,
 *   then the merge).
 *
 * For a small (~1 KB) and a large (~100 KB) record. Capacity is DynamoDB's rule (a consistent
 * read costs 1 RCU per 4 KB of the whole item, whatever the projection returns), printed with
 * what the emulator reports when it reports it. Ends with the `records-cache-summary` line.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { TtlCache } from '../lib/records/cache.ts';
import type { MetadataRecord, RecordKey } from '../lib/records/contract.ts';
import { RecordReads } from '../lib/records/reads.ts';
import { toItem } from '../lib/records/records.ts';
import { DynamoRecordRepo } from '../lib/records/store.ts';
import { batchPut, emulator, percentile, tempTable } from './emulator.ts';
import { printTable } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_RECORDS_CACHE_ROUNDS ?? 200);

const record = (name: string, bytes: number, base?: string): MetadataRecord => ({
  id: `01BENCH${name.padStart(19, '0')}`,
  type: 'bench',
  name,
  namespace: 'default',
  scope: 'platform',
  metadata: { tags: [name], custom_rules: { blob: 'x'.repeat(bytes) } },
  ...(base ? { extends: `bench/${base}` } : {}),
  strategy: 'merge',
  validation: 'lenient',
  owner: 'bench',
  state: 'active',
  version: 1,
  created_by: 'bench',
  created_at: '2026-01-01T00:00:00Z',
  updated_by: 'bench',
  updated_at: '2026-01-01T00:00:00Z',
});

/** p50 µs of `fn` over ROUNDS calls, interleaved by the caller. */
async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) * 1000;
}

/** Run the cases round-robin (so drift hits each alike); p50 µs of each. */
async function interleaved(cases: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const fn of Object.values(cases)) for (let i = 0; i < 10; i++) await fn(); // warm-up
  for (let i = 0; i < ROUNDS; i++)
    for (const [name, fn] of Object.entries(cases)) samples[name]?.push(await timeOnce(fn));
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, percentile(xs, 50)]));
}

const rcuOf = (itemBytes: number) => Math.ceil(itemBytes / 4096);

export async function runRecordsCacheBench(): Promise<string | undefined> {
  const em = await emulator();
  if (!em) return undefined;
  const table = await tempTable(em, 'records-cache', { pk: 'type', sk: 'name' });
  try {
    const small = record('small', 900);
    const large = record('large', 100_000);
    const chain = [record('c0', 900), record('c1', 900, 'c0'), record('c2', 900, 'c1')];
    await batchPut(em, table.name, [small, large, ...chain].map(toItem));
    const repo = new DynamoRecordRepo(em.ddb, table.name);
    const checked = new RecordReads(repo, 60_000);
    const uncached = new RecordReads(repo, 0);
    const key = (r: RecordKey): RecordKey => ({ type: r.type, name: r.name });

    // The former cache: a TTL map answered from memory (warm, as on a hit).
    const old = new TtlCache<unknown>(60_000);
    for (const r of [small, large]) old.set(r.name, r);
    old.set('effective', await uncached.effective(key(chain[2] as MetadataRecord)));
    for (const r of [small, large]) await checked.get(key(r));
    await checked.effective(key(chain[2] as MetadataRecord));

    const rows: Array<Record<string, string | number>> = [];
    const p50: Record<string, Record<string, number>> = {};
    for (const r of [small, large]) {
      const k = key(r);
      p50[r.name] = await interleaved({
        old: () => old.getOrLoad(r.name, async () => undefined),
        checked: () => checked.get(k),
        none: () => uncached.get(k),
      });
    }
    const leaf = key(chain[2] as MetadataRecord);
    p50.effective = await interleaved({
      old: async () => old.get('effective'),
      checked: () => checked.effective(leaf),
      none: () => uncached.effective(leaf),
    });

    const sizes: Record<string, number> = {
      small: Buffer.byteLength(JSON.stringify(toItem(small))),
      large: Buffer.byteLength(JSON.stringify(toItem(large))),
      effective: chain.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(toItem(r))), 0),
    };
    const reported = async (projection: boolean) => {
      const out = await em.ddb.send(
        new GetCommand({
          TableName: table.name,
          Key: { type: 'bench', name: 'large' },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
          ...(projection
            ? { ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'version' } }
            : {}),
        }),
      );
      return out.ConsumedCapacity?.CapacityUnits;
    };
    const emulatorRcu = { full: await reported(false), stamp: await reported(true) };

    for (const [name, m] of Object.entries(p50)) {
      const rcu = name === 'effective' ? chain.length : rcuOf(sizes[name] ?? 0);
      rows.push({
        read: name === 'effective' ? `effective view, 3-record chain` : `GET ${name} record`,
        'item KB': Number(((sizes[name] ?? 0) / 1024).toFixed(1)),
        'old hit µs': Math.round(m.old ?? 0),
        'checked hit µs': Math.round(m.checked ?? 0),
        'no cache µs': Math.round(m.none ?? 0),
        'checked / no cache': `${((m.checked ?? 0) / (m.none ?? 1)).toFixed(2)}×`,
        'RCU old / checked / none': `0 / ${rcu} / ${rcu}`,
      });
    }
    printTable(rows);
    console.log(
      `  emulator-reported capacity of a consistent GetItem of the large record: full ${emulatorRcu.full ?? 'not reported'}, version only ${emulatorRcu.stamp ?? 'not reported'} (DynamoDB charges both by the whole item: ${rcuOf(sizes.large ?? 0)} RCU)`,
    );
    const f = (n: number | undefined) => Math.round(n ?? 0);
    const s = p50.small ?? {};
    const l = p50.large ?? {};
    const e = p50.effective ?? {};
    return (
      `records-cache-summary get_p50_us old_hit=${f(s.old)} checked_hit=${f(s.checked)} no_cache=${f(s.none)} ` +
      `checked_vs_no_cache=${((s.checked ?? 0) / (s.none ?? 1)).toFixed(2)} ` +
      `large_get_p50_us old_hit=${f(l.old)} checked_hit=${f(l.checked)} no_cache=${f(l.none)} ` +
      `checked_vs_no_cache=${((l.checked ?? 0) / (l.none ?? 1)).toFixed(2)} ` +
      `effective3_p50_us old_hit=${f(e.old)} checked_hit=${f(e.checked)} no_cache=${f(e.none)} ` +
      `checked_vs_no_cache=${((e.checked ?? 0) / (e.none ?? 1)).toFixed(2)} ` +
      `rcu_per_get consistent small=${rcuOf(sizes.small ?? 0)} large=${rcuOf(sizes.large ?? 0)} effective3=${chain.length} (old_hit=0; checked=no_cache)`
    );
  } finally {
    await table.drop();
  }
}
