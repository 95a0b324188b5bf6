/**
 * The search index on DynamoDB (keys: lib/search/keys.ts): kept current from entity events,
 * queried with Query and BatchGetItem only — never a Scan.
 *
 * Update of one entity (idempotent, tolerant of reordering and redelivery):
 *   1. read its doc row; an event whose rank version is not newer is skipped;
 *   2. put its new posting rows;
 *   3. put the doc row (condition: still older) — returns the previous keys;
 *   4. delete previous rows the new version no longer has.
 * A crash between steps leaves at worst stale rows of an older rank version; queries drop
 * any row whose rank version differs from its doc row's (step "verify" below).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  batchWriteAll,
  inList,
  isConditionFailure,
  queryPages,
  type WriteRequest,
} from '../aws/dynamodb.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { docOf, type SearchDoc } from './fields.ts';
import {
  DOC_SK,
  docKey,
  type KeyQuery,
  keyString,
  type PostingRow,
  postingRows,
  queryPlan,
  type RowKey,
} from './keys.ts';
import { byRank, type Hit, rank, resolvePending } from './rank.ts';

/** Rows read per Query of the read plan, at most (short prefixes of big indexes are cut here). */
export const MAX_ROWS_PER_QUERY = 1000;
/** Pages read per Query, at most (a selective filter on a big partition stops here too). */
export const MAX_PAGES_PER_QUERY = 5;
/** Tombstones of deleted entities are kept this long (a late, older update cannot resurrect them). */
export const TOMBSTONE_TTL_SECONDS = 7 * 24 * 3600;

export interface SearchFilters {
  types?: readonly string[];
  tag?: string;
  feature?: string;
}

/** What a caller may see of an entity type: everything, only their own entities, or nothing. */
export type Visibility = 'all' | 'own' | 'none';

export interface SearchRequest extends SearchFilters {
  terms: readonly string[];
  limit: number;
  /** Per entity type. */
  visibility: (entityType: string) => Visibility;
  caller: string;
}

export type ApplyOutcome = 'indexed' | 'removed' | 'stale' | 'ignored';

interface DocRow extends RowKey {
  rv: number;
  deleted: boolean;
  keys: RowKey[];
  /** The entity's indexed terms (to complete a hit whose term reads were cut short). */
  terms?: string[];
  expires_at?: number;
}

type Found = Array<{ row: PostingRow; via: KeyQuery['via'] }>;
/** Rows read for one query term, and whether a Query stopped at MAX_ROWS_PER_QUERY. */
interface TermRead {
  rows: Found;
  cut: boolean;
}

export class SearchIndex {
  /** Counters of the last operations (for tests and the bench). */
  readonly stats = { queries: 0, rowsRead: 0, writes: 0 };

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async apply(envelope: EventEnvelope): Promise<ApplyOutcome> {
    const doc = docOf(envelope);
    if (!doc) return 'ignored';
    return this.index(doc);
  }

  /** Bring the index to `doc` (unless it already holds a newer or equal rank version). */
  async index(doc: SearchDoc): Promise<ApplyOutcome> {
    const key = docKey(doc.entity_type, doc.id);
    const current = (
      await this.ddb.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))
    ).Item as DocRow | undefined;
    if (current && current.rv >= doc.rv) return 'stale';
    const rows = postingRows(doc);
    await this.batchWrite(rows.map((r) => ({ PutRequest: { Item: r } })));
    const next: DocRow = {
      ...key,
      rv: doc.rv,
      deleted: doc.deleted,
      keys: rows.map((r) => ({ pk: r.pk, sk: r.sk })),
      terms: doc.terms.map((t) => t.term),
      ...(doc.deleted ? { expires_at: Math.floor(Date.now() / 1000) + TOMBSTONE_TTL_SECONDS } : {}),
    };
    let previous: DocRow | undefined;
    try {
      previous = (
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: next,
            ConditionExpression: 'attribute_not_exists(pk) OR rv < :rv',
            ExpressionAttributeValues: { ':rv': doc.rv },
            ReturnValues: 'ALL_OLD',
          }),
        )
      ).Attributes as DocRow | undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // A newer version won meanwhile: remove what we just wrote that it does not have.
      const winner = (
        await this.ddb.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))
      ).Item as DocRow | undefined;
      const keep = new Set((winner?.keys ?? []).map(keyString));
      await this.batchWrite(
        rows
          .filter((r) => !keep.has(keyString(r)))
          .map((r) => ({ DeleteRequest: { Key: { pk: r.pk, sk: r.sk } } })),
      );
      return 'stale';
    }
    const keep = new Set(next.keys.map(keyString));
    await this.batchWrite(
      (previous?.keys ?? [])
        .filter((k) => !keep.has(keyString(k)))
        .map((k) => ({ DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } })),
    );
    return doc.deleted ? 'removed' : 'indexed';
  }

  /**
   * Ranked hits of `req.terms` (AND), at most `req.limit`, each confirmed against its doc row.
   * A one-word query reads the word partition first: when that already yields `limit`
   * confirmed exact/prefix hits, typo matches (which rank below every one of them) cannot
   * make the page, and their partitions are not read.
   */
  async search(req: SearchRequest): Promise<Hit[]> {
    const plans = req.terms.map((q) => queryPlan(q));
    const readAll = async (plan: KeyQuery[]): Promise<TermRead> => {
      const parts = await Promise.all(plan.map((kq) => this.read(kq, req)));
      return { rows: parts.flatMap((p) => p.rows), cut: parts.some((p) => p.cut) };
    };
    if (plans.length === 1) {
      const plan = plans[0] ?? [];
      const words = await readAll(plan.filter((k) => k.via === 'word'));
      const first = await this.confirm(req, [words.rows]);
      const typo = plan.filter((k) => k.via === 'typo');
      if (first.length >= req.limit || typo.length === 0) return first;
      return this.confirm(req, [[...words.rows, ...(await readAll(typo)).rows]]);
    }
    const reads = await Promise.all(plans.map(readAll));
    // A term whose reads were cut (a short, common prefix) must not veto candidates the other
    // terms found: it is checked against their doc rows instead (unless every read was cut).
    const cut = reads.flatMap((r, i) => (r.cut ? [i] : []));
    const pending = cut.length < reads.length ? new Set(cut) : new Set<number>();
    return this.confirm(
      req,
      reads.map((r) => r.rows),
      pending,
    );
  }

  /**
   * Rank, keep what the caller may see, and confirm the best hits against their doc rows:
   * drop rows of superseded versions (a crash or a race between two updates may leave some)
   * and resolve pending terms from the entity's full term list.
   */
  private async confirm(
    req: SearchRequest,
    found: Found[],
    pending: ReadonlySet<number> = new Set(),
  ): Promise<Hit[]> {
    const visible = rank(req.terms, found, pending).filter((h) => {
      const v = req.visibility(h.entity_type);
      return v === 'all' || (v === 'own' && h.owner_id === req.caller);
    });
    const out: Hit[] = [];
    for (let i = 0; i < visible.length && out.length < req.limit; i += req.limit) {
      const batch = visible.slice(i, i + req.limit);
      const docs = await this.docs(batch);
      for (const h of batch) {
        const d = docs.get(`${h.entity_type}#${h.id}`);
        if (!d || d.deleted || d.rv !== h.rv || out.length >= req.limit) continue;
        const hit = resolvePending(h, req.terms, d.terms ?? []);
        if (hit) out.push(hit);
      }
    }
    return out.sort(byRank);
  }

  /** Rows of one Query of a read plan (filters applied by DynamoDB), up to MAX_ROWS_PER_QUERY. */
  private async read(kq: KeyQuery, f: SearchFilters): Promise<TermRead> {
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, unknown> = { ':pk': kq.pk };
    let condition = '#pk = :pk';
    if (kq.skPrefix !== undefined) {
      names['#sk'] = 'sk';
      values[':sk'] = kq.skPrefix;
      condition += ' AND begins_with(#sk, :sk)';
    }
    const filters: string[] = [];
    if (f.types?.length) {
      names['#et'] = 'entity_type';
      filters.push(inList('#et', f.types, 't', values));
    }
    if (f.tag !== undefined) {
      names['#tags'] = 'tags';
      values[':tag'] = f.tag;
      filters.push('contains(#tags, :tag)');
    }
    if (f.feature !== undefined) {
      names['#features'] = 'features';
      values[':feature'] = f.feature;
      filters.push('contains(#features, :feature)');
    }
    const rows: Found = [];
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    for await (const page of queryPages<PostingRow>(this.ddb, {
      TableName: this.table,
      KeyConditionExpression: condition,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      Limit: MAX_ROWS_PER_QUERY,
    })) {
      this.stats.queries++;
      this.stats.rowsRead += page.scanned;
      for (const row of page.items) rows.push({ row, via: kq.via });
      start = page.lastKey;
      pages++;
      if (rows.length >= MAX_ROWS_PER_QUERY || pages >= MAX_PAGES_PER_QUERY) break;
    }
    return { rows, cut: start !== undefined };
  }

  private async docs(hits: readonly Hit[]): Promise<Map<string, DocRow>> {
    const rows = await batchGetAll<DocRow>(
      this.ddb,
      this.table,
      hits.map((h) => docKey(h.entity_type, h.id) as unknown as Record<string, unknown>),
      {
        ProjectionExpression: '#pk, #rv, #deleted, #terms',
        ExpressionAttributeNames: { '#pk': 'pk', '#rv': 'rv', '#deleted': 'deleted', '#terms': 'terms' },
      },
    );
    return new Map(
      rows.map((item) => [String(item.pk).slice('doc#'.length), { ...item, sk: DOC_SK, keys: [] }]),
    );
  }

  /**
   * BatchWriteItem in chunks of 25, one chunk at a time (a term row may be written and deleted
   * in the same call), unprocessed items sent again with backoff.
   */
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    const left = await batchWriteAll(this.ddb, this.table, requests, { concurrency: 1 });
    this.stats.writes += requests.length;
    if (left.length > 0)
      throw new Error(
        `BatchWriteItem on ${this.table}: ${left.length} items still unprocessed after retries`,
      );
  }
}
