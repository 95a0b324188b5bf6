/**
 * lib/amadeus/store.ts against the kit's in-memory DynamoDB (test/kit/dynamodb-model.ts), told
 * exactly the condition expressions the store writes with.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoGraphHistory, versionSk } from '../../../lib/amadeus/history-store.ts';
import { buildGraph, diffGraphs, type KgServiceInput } from '../../../lib/amadeus/index.ts';
import {
  DynamoPatternStore,
  EMPTY_EDGES_TTL_SECONDS,
  type EntityEdgeChange,
  entityChangeOf,
  MAX_PATTERN_BYTES,
  supersedes,
} from '../../../lib/amadeus/store.ts';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import { KNOWN_SERVICES } from '../../fixtures/amadeus/known-graph.ts';
import { DynamoModel } from '../../kit/dynamodb-model.ts';
import { envelopeOf } from '../../kit/events.ts';

/** The store's one table (pk, sk) and the conditions it writes with. */
const newTable = (name = 't') =>
  new DynamoModel(
    { [name]: { partitionKey: 'pk', sortKey: 'sk' } },
    {
      'attribute_not_exists(pk)': (item) => item === undefined,
      '#v = :v AND #d = :d': (item, v, n) =>
        item !== undefined && item[n['#v'] ?? ''] === v[':v'] && item[n['#d'] ?? ''] === v[':d'],
    },
  );

const T0 = new Date('2025-06-01T00:00:00.000Z');
const clock = () => {
  let t = T0.getTime();
  return () => {
    t += 1000;
    return new Date(t);
  };
};
const graphOf = (services: readonly KgServiceInput[]) => buildGraph(services, { now: () => T0 });
const G1 = graphOf(KNOWN_SERVICES);
const G2 = graphOf(KNOWN_SERVICES.map((s) => (s.name === 'e' ? { ...s, dependencies: ['a'] } : s)));

describe('DynamoGraphHistory', () => {
  it('publishes version 1 with no diff, then nothing for an unchanged hash, then version 2 with the diff', async () => {
    const db = newTable('kg-table');
    const h = new DynamoGraphHistory(db.client, 'kg-table', { now: clock() });
    expect(await h.latest()).toBeUndefined();

    const first = await h.append(G1);
    expect(first.created).toBe(true);
    expect(first.record).toMatchObject({
      version: 1,
      hash: G1.hash,
      published_at: '2025-06-01T00:00:01.000Z',
      changes_from_previous: null,
    });
    expect(first.record.graph).toMatchObject({ version: 1, last_updated: '2025-06-01T00:00:01.000Z' });
    const put = db.of(PutCommand)[0]!.input;
    expect(put).toMatchObject({
      TableName: 'kg-table',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'kg', sk: '0000000001', version: 1, hash: G1.hash },
    });
    // Stored as JSON text, so the graph's key order (sorted services) survives the round trip.
    expect(typeof put.Item?.graph).toBe('string');
    expect(JSON.stringify((await h.latest())!.graph)).toBe(JSON.stringify(first.record.graph));

    const again = await h.append(graphOf([...KNOWN_SERVICES].reverse()));
    expect(again).toEqual({ record: first.record, created: false });
    expect(db.of(PutCommand)).toHaveLength(1);

    const second = await h.append(G2);
    expect(second.created).toBe(true);
    expect(second.record.version).toBe(2);
    expect(second.record.changes_from_previous).toEqual(diffGraphs(first.record.graph, G2));
    expect(second.record.changes_from_previous?.changed).toEqual([
      { service: 'e', fields: { dependencies: { added: ['a'], removed: [] } } },
    ]);
    expect((await h.latest())?.version).toBe(2);
    expect(db.item('kg-table', { pk: 'kg', sk: '0000000001' })).toBeDefined(); // earlier versions stay
  });

  it('keeps versions ordered as strings: version 10 sorts after version 9', () => {
    expect(versionSk(9) < versionSk(10)).toBe(true);
    expect(versionSk(123)).toBe('0000000123');
  });

  it('retries when a concurrent publisher took the version number, without overwriting it', async () => {
    const db = newTable();
    const h = new DynamoGraphHistory(db.client, 't', { now: clock() });
    const other = new DynamoGraphHistory(db.client, 't', { now: clock() });
    let raced = false;
    db.before = async (cmd) => {
      if (cmd instanceof PutCommand && !raced) {
        raced = true;
        // Another deploy publishes G1 between our read and our write.
        await other.append(G1);
      }
    };
    const out = await h.append(G2);
    expect(out).toMatchObject({ created: true, record: { version: 2 } });
    expect(out.record.changes_from_previous?.from_hash).toBe(G1.hash);
    expect((await h.summaries()).map((s) => [s.version, s.hash])).toEqual([
      [2, G2.hash],
      [1, G1.hash],
    ]);
  });

  it('returns the winner unchanged when a concurrent publisher published the same graph', async () => {
    const db = newTable();
    const h = new DynamoGraphHistory(db.client, 't', { now: clock() });
    const other = new DynamoGraphHistory(db.client, 't', { now: clock() });
    let raced = false;
    db.before = async (cmd) => {
      if (cmd instanceof PutCommand && !raced) {
        raced = true;
        await other.append(G1);
      }
    };
    const out = await h.append(G1);
    expect(out).toMatchObject({ created: false, record: { version: 1 } });
  });

  it('gives up after maxAttempts lost races, and rethrows other errors at once', async () => {
    const db = newTable();
    const h = new DynamoGraphHistory(db.client, 't', { maxAttempts: 3 });
    db.before = (cmd) => {
      if (cmd instanceof PutCommand) {
        const e = new Error('lost');
        e.name = 'ConditionalCheckFailedException';
        throw e;
      }
    };
    await expect(h.append(G1)).rejects.toThrow('lost');
    expect(db.of(PutCommand)).toHaveLength(3);

    const broken = newTable();
    broken.before = (cmd) => {
      if (cmd instanceof PutCommand) throw new Error('throttled');
    };
    await expect(new DynamoGraphHistory(broken.client, 't').append(G1)).rejects.toThrow('throttled');
    expect(broken.of(PutCommand)).toHaveLength(1);
  });

  it('lists summaries newest first without reading the graphs, across pages, limit clamped', async () => {
    const db = newTable();
    const h = new DynamoGraphHistory(db.client, 't', { now: clock() });
    for (let i = 0; i < 25; i += 1)
      await h.append(
        graphOf(KNOWN_SERVICES.map((s) => (s.name === 'e' ? { ...s, description: `e${i}` } : s))),
      );
    db.sent.length = 0;
    db.pageSize = 7;

    const page = await h.summaries();
    expect(page.map((s) => s.version)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i)); // default 20
    expect(page[0]).not.toHaveProperty('graph');
    expect(page[0]?.changes_from_previous?.changed[0]?.service).toBe('e');
    const queries = db.of(QueryCommand).map((q) => q.input);
    expect(queries.length).toBe(3); // 7 + 7 + 6
    for (const q of queries) {
      expect(q.ScanIndexForward).toBe(false);
      expect(q.ProjectionExpression).not.toMatch(/graph/);
    }

    expect((await h.summaries(3)).map((s) => s.version)).toEqual([25, 24, 23]);
    expect(await h.summaries(500)).toHaveLength(25); // clamped to 100, 25 exist
    expect((await h.summaries(0)).map((s) => s.version)).toEqual([25]); // clamped to 1
    const full = await h.list(2);
    expect(full.map((r) => [r.version, r.graph.version])).toEqual([
      [25, 25],
      [24, 24],
    ]);
  });
});

// ---------------------------------------------------------------------------------------

const envelope = (
  type: string,
  entity: { type: string; id: string; version: number },
  metadata?: Record<string, unknown>,
): EventEnvelope =>
  envelopeOf({
    type,
    entity,
    occurredAt: T0.toISOString(),
    correlationId: 'corr-0001',
    actor: { id: 'dev-admin', role: 'admin' },
    ...(metadata === undefined ? {} : { metadata: metadata as Metadata }),
    over: { id: '01J00000000000000000000000' },
  });

const kg = (pattern?: string, dependencies?: string[]) => ({
  knowledge_graph: {
    ...(pattern === undefined ? {} : { pattern }),
    ...(dependencies ? { dependencies } : {}),
  },
});

/** The change of a campaign event (`campaign.updated` unless given). */
const change = (version: number, metadata: Record<string, unknown> | undefined, type = 'campaign.updated') =>
  entityChangeOf(envelope(type, { type: 'campaign', id: 'c1', version }, metadata)) as EntityEdgeChange;

describe('entityChangeOf', () => {
  it('reads the edges of an entity write, and knows a deletion', () => {
    expect(change(3, kg('waitlist', ['user', 'notification', 'user']))).toEqual({
      type: 'campaign',
      id: 'c1',
      version: 3,
      deleted: false,
      edges: [
        { from: { type: 'campaign', id: 'c1' }, to: 'waitlist', kind: 'uses_pattern' },
        { from: { type: 'campaign', id: 'c1' }, to: 'notification', kind: 'depends_on' },
        { from: { type: 'campaign', id: 'c1' }, to: 'user', kind: 'depends_on' },
      ],
    });
    expect(change(4, kg('waitlist'), 'campaign.deleted')).toMatchObject({ deleted: true, edges: [] });
    // A verb event carries the metadata too; `user.deleted` on a campaign is not its deletion.
    expect(change(5, kg('waitlist'), 'user.deleted')).toMatchObject({ deleted: false });
  });

  it('ignores events without the entity metadata (scheduler events, POST /api/events)', () => {
    expect(entityChangeOf(envelope('scheduler.executed', { type: 'campaign', id: 'c1', version: 1 }))).toBe(
      undefined,
    );
    expect(entityChangeOf(envelope('campaign.deleted', { type: 'campaign', id: 'c1', version: 9 }))).toBe(
      undefined,
    );
  });

  it('drops a pattern name too long to be a key', () => {
    const c = change(1, kg('p'.repeat(MAX_PATTERN_BYTES + 1), ['user']));
    expect(c.edges.map((e) => e.kind)).toEqual(['depends_on']);
  });

  it('orders changes: higher versions win, a deletion wins its own version and is final', () => {
    const live = { version: 3, deleted: false };
    expect(supersedes(undefined, change(1, {}))).toBe(true);
    expect(supersedes(live, change(4, {}))).toBe(true);
    expect(supersedes(live, change(3, {}))).toBe(false);
    expect(supersedes(live, change(2, {}))).toBe(false);
    expect(supersedes(live, change(3, {}, 'campaign.deleted'))).toBe(true);
    expect(supersedes({ version: 3, deleted: true }, change(9, {}))).toBe(false);
  });
});

describe('DynamoPatternStore', () => {
  const setup = () => {
    const db = newTable();
    return { db, store: new DynamoPatternStore(db.client, 't', { now: () => T0 }) };
  };
  const transactions = (db: DynamoModel) =>
    db.of(TransactWriteCommand).map((c) => c.input.TransactItems ?? []);
  const members = async (store: DynamoPatternStore, p: string) => (await store.members(p)).items;

  it('writes a pattern member with the dependencies, and the entity edges, in one conditional transaction', async () => {
    const { db, store } = setup();
    const out = await store.apply(change(1, kg('waitlist', ['user', 'notification']), 'campaign.created'));
    expect(out).toEqual({ applied: true, put: ['waitlist'], removed: [] });
    const [tx] = transactions(db);
    expect(tx).toEqual([
      {
        Put: {
          TableName: 't',
          Item: {
            pk: 'pattern#waitlist',
            sk: 'campaign#c1',
            pattern: 'waitlist',
            entity_type: 'campaign',
            entity_id: 'c1',
            dependencies: ['notification', 'user'],
            version: 1,
            updated_at: T0.toISOString(),
          },
        },
      },
      {
        Put: {
          TableName: 't',
          Item: {
            pk: 'entity#campaign#c1',
            sk: 'edges',
            entity_type: 'campaign',
            entity_id: 'c1',
            version: 1,
            deleted: false,
            edges: [
              { kind: 'uses_pattern', to: 'waitlist' },
              { kind: 'depends_on', to: 'notification' },
              { kind: 'depends_on', to: 'user' },
            ],
            updated_at: T0.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    expect(await members(store, 'waitlist')).toEqual([
      { type: 'campaign', id: 'c1', dependencies: ['notification', 'user'] },
    ]);
    expect((await store.edgesOf('campaign', 'c1'))?.edges).toHaveLength(3);
  });

  it('is idempotent: a redelivered or older event writes nothing', async () => {
    const { db, store } = setup();
    await store.apply(change(2, kg('waitlist')));
    const writes = db.of(TransactWriteCommand).length;
    expect(await store.apply(change(2, kg('waitlist')))).toEqual({ applied: false, put: [], removed: [] });
    expect(await store.apply(change(1, kg('other')))).toMatchObject({ applied: false });
    expect(db.of(TransactWriteCommand)).toHaveLength(writes);
    expect(await members(store, 'other')).toEqual([]);
  });

  it('moves the member when the pattern changes, conditional on the stored version', async () => {
    const { db, store } = setup();
    await store.apply(change(1, kg('waitlist', ['user']), 'campaign.created'));
    const out = await store.apply(change(2, kg('raffle', ['user'])));
    expect(out).toEqual({ applied: true, put: ['raffle'], removed: ['waitlist'] });
    const tx = transactions(db).at(-1)!;
    expect(tx[0]).toEqual({ Delete: { TableName: 't', Key: { pk: 'pattern#waitlist', sk: 'campaign#c1' } } });
    expect(tx[2]?.Put).toMatchObject({
      ConditionExpression: '#v = :v AND #d = :d',
      ExpressionAttributeValues: { ':v': 1, ':d': false },
    });
    expect(await members(store, 'waitlist')).toEqual([]);
    expect(await members(store, 'raffle')).toEqual([{ type: 'campaign', id: 'c1', dependencies: ['user'] }]);
  });

  it('rewrites the member when only the dependencies change, and leaves it alone otherwise', async () => {
    const { db, store } = setup();
    await store.apply(change(1, kg('waitlist', ['user']), 'campaign.created'));
    expect(await store.apply(change(2, kg('waitlist', ['user', 'search'])))).toEqual({
      applied: true,
      put: ['waitlist'],
      removed: [],
    });
    expect((await members(store, 'waitlist'))[0]?.dependencies).toEqual(['search', 'user']);

    // Same edges (e.g. a tag changed): only the entity's version moves on.
    expect(await store.apply(change(3, { ...kg('waitlist', ['search', 'user']), tags: ['x'] }))).toEqual({
      applied: true,
      put: [],
      removed: [],
    });
    const tx = transactions(db).at(-1)!;
    expect(tx).toHaveLength(1);
    expect(tx[0]?.Put?.Item).toMatchObject({ pk: 'entity#campaign#c1', version: 3 });
  });

  it('removes the member when the pattern is patched away; the edges item then expires', async () => {
    const { store } = setup();
    await store.apply(change(1, kg('waitlist', ['user']), 'campaign.created'));
    expect(await store.apply(change(2, { tags: ['plain'] }))).toEqual({
      applied: true,
      put: [],
      removed: ['waitlist'],
    });
    expect(await members(store, 'waitlist')).toEqual([]);
    expect(await store.edgesOf('campaign', 'c1')).toEqual({ version: 2, deleted: false, edges: [] });

    // Dependencies without a pattern are kept as edges (no member anywhere).
    await store.apply(change(3, kg(undefined, ['user'])));
    expect((await store.edgesOf('campaign', 'c1'))?.edges).toEqual([
      { from: { type: 'campaign', id: 'c1' }, to: 'user', kind: 'depends_on' },
    ]);
  });

  it('removes the member on deletion and keeps a tombstone that late events cannot revive', async () => {
    const { db, store } = setup();
    await store.apply(change(1, kg('waitlist'), 'campaign.created'));
    await store.apply(change(2, kg('waitlist')));
    expect(await store.apply(change(2, kg('waitlist'), 'campaign.deleted'))).toEqual({
      applied: true,
      put: [],
      removed: ['waitlist'],
    });
    const tomb = db.item('t', { pk: 'entity#campaign#c1', sk: 'edges' });
    expect(tomb).toMatchObject({
      deleted: true,
      version: 2,
      edges: [],
      expires_at: Math.floor(T0.getTime() / 1000) + EMPTY_EDGES_TTL_SECONDS,
    });
    expect(await members(store, 'waitlist')).toEqual([]);
    // A late update, even of a higher version, and a redelivered deletion change nothing.
    expect((await store.apply(change(5, kg('waitlist')))).applied).toBe(false);
    expect((await store.apply(change(2, kg('waitlist'), 'campaign.deleted'))).applied).toBe(false);
    expect(await members(store, 'waitlist')).toEqual([]);
  });

  it('handles out-of-order delivery: an older event with a pattern after a newer one without', async () => {
    const { store } = setup();
    await store.apply(change(2, { tags: ['no kg any more'] }));
    expect((await store.apply(change(1, kg('waitlist'), 'campaign.created'))).applied).toBe(false);
    expect(await members(store, 'waitlist')).toEqual([]);
  });

  it('writes nothing for a creation without knowledge_graph', async () => {
    const { db, store } = setup();
    expect(await store.apply(change(1, { tags: ['a'] }, 'campaign.created'))).toEqual({
      applied: true,
      put: [],
      removed: [],
    });
    expect(db.of(TransactWriteCommand)).toHaveLength(0);
    expect(db.items('t').length).toBe(0);
  });

  it('re-reads and retries when a concurrent change of the same entity won the race', async () => {
    const { db, store } = setup();
    await store.apply(change(1, kg('waitlist'), 'campaign.created'));
    const rival = new DynamoPatternStore(db.client, 't', { now: () => T0 });
    let raced = false;
    db.before = async (cmd) => {
      if (cmd instanceof TransactWriteCommand && !raced) {
        raced = true;
        // Version 2 (pattern removed) lands between our read and our write of version 3.
        await rival.apply(change(2, {}));
      }
    };
    expect(await store.apply(change(3, kg('raffle')))).toEqual({
      applied: true,
      put: ['raffle'],
      removed: [],
    });
    expect(db.of(GetCommand).length).toBeGreaterThanOrEqual(3);
    expect(await members(store, 'waitlist')).toEqual([]);
    expect(await members(store, 'raffle')).toHaveLength(1);
    expect((await store.edgesOf('campaign', 'c1'))?.version).toBe(3);
  });

  it('pages members with an opaque cursor, sorted by type then id', async () => {
    const { db, store } = setup();
    const ids = ['c3', 'c1', 'c2'];
    for (const id of ids)
      await store.apply(
        entityChangeOf(envelope('campaign.created', { type: 'campaign', id, version: 1 }, kg('w')))!,
      );
    await store.apply(
      entityChangeOf(envelope('user.created', { type: 'user', id: 'u1', version: 1 }, kg('w')))!,
    );
    db.pageSize = 2;
    const first = await store.members('w', { limit: 2 });
    expect(first.items.map((m) => `${m.type}/${m.id}`)).toEqual(['campaign/c1', 'campaign/c2']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await store.members('w', { limit: 2, cursor: first.next_cursor! });
    expect(second.items.map((m) => `${m.type}/${m.id}`)).toEqual(['campaign/c3', 'user/u1']);
    await expect(store.members('w', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400 });
  });
});
