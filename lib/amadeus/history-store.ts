/**
 * The published versions of the knowledge graph on DynamoDB (a {@link GraphHistory}), in the
 * Amadeus table (./store.ts): one item per version under `pk = "kg"`, sort key the version
 * zero-padded to 10 digits, holding `version`, `hash`, `published_at`, `graph` and
 * `changes_from_previous` (both JSON text, so key order survives).
 */
import { PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { queryPages } from '../aws/dynamodb.ts';
import {
  type GraphDiff,
  type GraphHistory,
  historyLimit,
  nextVersionRecord,
  type VersionRecord,
  type VersionSummary,
} from './history.ts';
import { AmadeusTableStore, isRetryableConflict } from './store.ts';
import type { KnowledgeGraph } from './types.ts';

/** Partition of the version items. */
export const KG_PK = 'kg';
/** Sort key of version `n`: zero-padded, so string order is version order. */
export const versionSk = (version: number): string => String(version).padStart(10, '0');

/** Largest version item written (DynamoDB's limit is 400 KB). */
const MAX_VERSION_ITEM_BYTES = 380 * 1024;

interface VersionItem {
  pk: string;
  sk: string;
  version: number;
  hash: string;
  published_at: string;
  /** JSON of the graph as published. */
  graph?: string;
  /** JSON of the diff from the previous version; `null` text for version 1. */
  changes_from_previous: string;
}

/**
 * The version history on DynamoDB: one item per version under `pk = "kg"`. `append` writes
 * version n+1 with `attribute_not_exists(pk)`; when another publisher won that number it
 * re-reads and tries again, so concurrent deploys can neither overwrite nor skip a version.
 */
export class DynamoGraphHistory extends AmadeusTableStore implements GraphHistory {
  async latest(): Promise<VersionRecord | undefined> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': KG_PK },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0] as VersionItem | undefined;
    return item ? toRecord(item) : undefined;
  }

  async append(graph: KnowledgeGraph): Promise<{ record: VersionRecord; created: boolean }> {
    for (let attempt = 1; ; attempt += 1) {
      const latest = await this.latest();
      const record = nextVersionRecord(latest, graph, this.now());
      if (!record) return { record: latest!, created: false };
      const item = toItem(record);
      const size = Buffer.byteLength(JSON.stringify(item), 'utf8');
      if (size > MAX_VERSION_ITEM_BYTES)
        throw new Error(
          `Knowledge graph version ${record.version} is ${size} bytes; the item limit is 400 KB`,
        );
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { record, created: true };
      } catch (e) {
        if (!isRetryableConflict(e) || attempt >= this.maxAttempts) throw e;
      }
    }
  }

  /** Up to `limit` full versions (graph included), newest first. */
  async list(limit?: number): Promise<VersionRecord[]> {
    const items = await this.query(historyLimit(limit), false);
    return items.map(toRecord);
  }

  /** Up to `limit` versions without their graphs (what `GET /api/kg/history` lists), newest first. */
  async summaries(limit?: number): Promise<VersionSummary[]> {
    const items = await this.query(historyLimit(limit), true);
    return items.map(toSummary);
  }

  /** Newest `limit` version items, following pages (a page stops at 1 MB). */
  private async query(limit: number, withoutGraph: boolean): Promise<VersionItem[]> {
    const items: VersionItem[] = [];
    const input: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': KG_PK },
      ScanIndexForward: false,
      Limit: limit,
      ...(withoutGraph
        ? {
            ProjectionExpression: 'pk, sk, #v, #h, published_at, changes_from_previous',
            ExpressionAttributeNames: { '#v': 'version', '#h': 'hash' },
          }
        : {}),
    };
    for await (const page of queryPages<VersionItem>(this.ddb, input)) {
      items.push(...page.items);
      if (items.length >= limit) break;
    }
    return items.slice(0, limit);
  }
}

function toItem(r: VersionRecord): VersionItem {
  return {
    pk: KG_PK,
    sk: versionSk(r.version),
    version: r.version,
    hash: r.hash,
    published_at: r.published_at,
    graph: JSON.stringify(r.graph),
    changes_from_previous: JSON.stringify(r.changes_from_previous),
  };
}

function toSummary(i: VersionItem): VersionSummary {
  return {
    version: Number(i.version),
    hash: i.hash,
    published_at: i.published_at,
    changes_from_previous: JSON.parse(i.changes_from_previous ?? 'null') as GraphDiff | null,
  };
}

function toRecord(i: VersionItem): VersionRecord {
  if (i.graph === undefined) throw new Error(`Knowledge graph version ${i.version} has no graph`);
  return { ...toSummary(i), graph: JSON.parse(i.graph) as KnowledgeGraph };
}
