/**
 * Issue 3 on the emulator, 10,000 entities:
 * - list-by-tag latency through the tag index (`EntityStore.list`, a Query + BatchGet)
 *   versus a filtered Scan of the same table (`contains(metadata.tags, :t)`, all pages);
 * - bulk upsert throughput (the records service's BatchWriteItem path, 25 per call, 4 in flight)
 *   versus one PutItem per record.
 */
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { MetadataRecord } from '../lib/records/contract.ts';
import { DynamoRecordRepo } from '../lib/records/store.ts';
import { getService } from '../lib/registry/index.ts';
import { EntityStore, staticPolicies } from '../lib/store/entity-store.ts';
import { indexRows } from '../lib/store/indexes.ts';
import { batchPut, emulator, percentile, tempTable } from './emulator.ts';
import { printTable } from './lib.ts';

const N = Number(process.env.BENCH_ENTITIES ?? 10_000);
const BULK = Number(process.env.BENCH_BULK ?? 2_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20);
/** 1 in 100 entities carries the rare tag the lists ask for. */
const RARE = 'rare';

export async function runListsBench(): Promise<void> {
  const em = await emulator();
  if (!em) return;
  const entity = await tempTable(em, 'entity', {
    pk: 'id',
    indexes: [
      { name: 'by_state', pk: 'state', sk: 'list_sk' },
      { name: 'by_owner', pk: 'owner_id', sk: 'list_sk' },
      { name: 'by_broadcast', pk: 'broadcast_pk', sk: 'list_sk' },
    ],
  });
  const index = await tempTable(em, 'index', { pk: 'ix', sk: 'sk' });
  const records = await tempTable(em, 'records', { pk: 'type', sk: 'name' });
  try {
    console.log(`  loading ${N} campaigns (+ their tag/feature index rows) …`);
    const t0 = performance.now();
    const rows: Record<string, unknown>[] = [];
    const ix: Record<string, unknown>[] = [];
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < N; i++) {
      const id = `01BENCH${String(i).padStart(19, '0')}`;
      const at = new Date(base + i * 1000).toISOString();
      const metadata = {
        tags: i % 100 === 0 ? [RARE, `t${i % 7}`] : [`t${i % 7}`],
        features: ['leaderboard'],
      };
      const row = {
        id,
        name: `c${i}`,
        state: 'active',
        owner_id: 'bench',
        metadata,
        version: 1,
        created_at: at,
        updated_at: at,
        entity_type: 'campaign',
        category: 'campaign',
        master_key: `campaign#${id}`,
        list_sk: `${at}#${id}`,
      };
      rows.push(row);
      ix.push(
        ...(indexRows({
          id,
          entity_type: 'campaign',
          state: 'active',
          owner_id: 'bench',
          list_sk: row.list_sk,
          metadata,
        }) as unknown as Record<string, unknown>[]),
      );
    }
    await batchPut(em, entity.name, rows);
    await batchPut(em, index.name, ix);
    console.log(`  loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const store = new EntityStore(
      getService('campaign'),
      { entity: entity.name, master: 'unused', outbox: 'unused', index: index.name },
      'bench',
      em.ddb,
      staticPolicies,
    );
    const admin = { sub: 'bench', role: 'admin' as const };
    const viaIndex: number[] = [];
    const viaScan: number[] = [];
    let found = 0;
    let scanned = 0;
    for (let q = 0; q < QUERIES; q++) {
      // Interleaved, so both see the same machine load.
      let t = performance.now();
      let cursor: string | undefined;
      let n = 0;
      do {
        const page = await store.list({ tag: RARE, limit: 100, ...(cursor ? { cursor } : {}) }, admin);
        n += page.items.length;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      viaIndex.push(performance.now() - t);
      found = n;
      t = performance.now();
      let start: Record<string, unknown> | undefined;
      let m = 0;
      do {
        const out = await em.ddb.send(
          new ScanCommand({
            TableName: entity.name,
            FilterExpression: 'contains(metadata.tags, :t)',
            ExpressionAttributeValues: { ':t': RARE },
            ExclusiveStartKey: start,
          }),
        );
        m += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
      viaScan.push(performance.now() - t);
      scanned = m;
    }
    if (found !== scanned) throw new Error(`index found ${found}, scan found ${scanned}`);

    // Bulk upsert: the records service's batch path versus one PutItem per record.
    const recordsOf = (prefix: string): MetadataRecord[] =>
      Array.from(
        { length: BULK },
        (_, i) =>
          ({
            type: 'bench',
            name: `${prefix}-${i}`,
            id: `${prefix}${i}`,
            namespace: 'bench',
            scope: 'global',
            metadata: { tags: ['bulk'] },
            strategy: 'merge',
            validation: 'strict',
            owner: 'bench',
            state: 'active',
            version: 1,
            created_by: 'bench',
            created_at: new Date().toISOString(),
            updated_by: 'bench',
            updated_at: new Date().toISOString(),
          }) as MetadataRecord,
      );
    const repo = new DynamoRecordRepo(em.ddb, records.name);
    let t = performance.now();
    const left = await repo.batchWrite(recordsOf('b').map((put) => ({ put })));
    const bulkMs = performance.now() - t;
    if (left.length) throw new Error(`${left.length} records left unprocessed`);
    t = performance.now();
    for (const r of recordsOf('p')) {
      await em.ddb.send(
        new PutCommand({ TableName: records.name, Item: { ...r, type_name: `${r.type}/${r.name}` } }),
      );
    }
    const oneMs = performance.now() - t;

    printTable([
      {
        measure: `list by tag (${found} of ${N})`,
        'p50 ms': percentile(viaIndex, 50).toFixed(1),
        'p95 ms': percentile(viaIndex, 95).toFixed(1),
        baseline: 'filtered Scan',
        'baseline p50 ms': percentile(viaScan, 50).toFixed(1),
        ratio: `${(percentile(viaScan, 50) / percentile(viaIndex, 50)).toFixed(1)}× faster`,
      },
      {
        measure: `bulk upsert (${BULK} records)`,
        'p50 ms': '',
        'p95 ms': '',
        baseline: 'PutItem one by one',
        'baseline p50 ms': '',
        ratio: `${(BULK / (bulkMs / 1000)).toFixed(0)} vs ${(BULK / (oneMs / 1000)).toFixed(0)} records/s = ${(oneMs / bulkMs).toFixed(1)}×`,
      },
    ]);
  } finally {
    await Promise.all([entity.drop(), index.drop(), records.drop()]);
  }
}
