import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../lib/aws/dynamodb.ts';
import { MAX_METADATA_BYTES } from '../../../lib/entity-metadata/index.ts';
import { isTemporaError, type TemporaError } from '../../../lib/errors.ts';
import { envelopeSchema } from '../../../lib/events/envelope.ts';
import type { Access, ResolvedPolicy } from '../../../lib/policy/matrix.ts';
import { getService } from '../../../lib/registry/index.ts';
import {
  EntityStore,
  type IntentPlanner,
  masterKey,
  type PolicySource,
  type StoreTables,
} from '../../../lib/store/entity-store.ts';
import { FakeDdb as KitDdb, type TransactItem, transactionConditionFailure } from '../../kit/dynamodb.ts';
import { admin, user as plainUser, requestContext } from '../../kit/principals.ts';

const CAMPAIGN_TABLES: StoreTables = {
  entity: 'tempora-test-service_campaign_main',
  master: 'tempora-test-_metadata_master',
  outbox: 'tempora-test-_nexus_outbox',
  index: 'tempora-test-_metadata_index',
};
const USER_TABLES: StoreTables = { ...CAMPAIGN_TABLES, entity: 'tempora-test-service_user_master' };
/** 1 attempt + MAX_UNCONDITIONAL_RETRIES (3) in lib/store/entity-store.ts. */
const MAX_UNCONDITIONAL_ATTEMPTS = 4;

const ctx = requestContext;

/** A policy source answering one fixed row (the matrix itself is tested elsewhere). */
const policyOf =
  (access: Access): PolicySource =>
  async (key): Promise<ResolvedPolicy> => ({
    retention: 'forever',
    access,
    validation: 'strict',
    exposure: 'full',
    source: `${key.role}/${key.environment}/${key.category}`,
  });
const FULL = policyOf('full');

type Command = GetCommand | QueryCommand | BatchGetCommand | TransactWriteCommand;

class FakeDdb extends KitDdb<Command> {
  /** The input of the one Query sent (fails the test unless exactly one was). */
  get query(): QueryCommandInput {
    return this.one(QueryCommand);
  }
}

const conditionalFailure = () => transactionConditionFailure(['ConditionalCheckFailed', 'None', 'None']);

/** A stored entity row as the store writes it (no tags or features: no index rows). */
function storedRow(
  service: 'campaign' | 'user',
  id: string,
  version: number,
  extra: Record<string, unknown> = {},
) {
  const created = '2025-01-01T00:00:00.000Z';
  return {
    id,
    state: 'active',
    owner_id: 'alice',
    metadata: {
      audit: {
        created_by: 'alice',
        last_modified_by: 'alice',
        history: [{ at: created, actor: 'alice', action: 'create' }],
      },
    },
    version,
    created_at: created,
    updated_at: created,
    entity_type: service,
    category: service,
    master_key: masterKey(service, id),
    list_sk: `${created}#${id}`,
    ...(service === 'campaign' ? { name: 'Summer' } : { email: 'u@example.com', username: 'user_1' }),
    ...extra,
  };
}

/** A store over a fake whose GetCommand answers `rows` in turn and whose transactions call `onWrite`. */
function storeWith(opts: {
  service?: 'campaign' | 'user';
  rows?: Array<Record<string, unknown> | undefined>;
  onWrite?: (attempt: number) => void;
  respond?: (cmd: Command) => unknown;
  policies?: PolicySource;
}) {
  const service = opts.service ?? 'campaign';
  let reads = 0;
  let writes = 0;
  const ddb = new FakeDdb((cmd) => {
    if (cmd instanceof GetCommand) {
      const rows = opts.rows ?? [];
      return { Item: rows[Math.min(reads++, rows.length - 1)] };
    }
    if (cmd instanceof TransactWriteCommand) {
      opts.onWrite?.(++writes);
      return {};
    }
    return opts.respond?.(cmd) ?? {};
  });
  const tables = service === 'user' ? USER_TABLES : CAMPAIGN_TABLES;
  const store = new EntityStore(getService(service), tables, 'test', ddb.client, opts.policies ?? FULL);
  return { store, ddb };
}

async function caught(run: () => Promise<unknown>): Promise<TemporaError> {
  try {
    await run();
  } catch (e) {
    if (isTemporaError(e)) return e;
    throw e;
  }
  throw new Error('expected a TemporaError');
}

const issuePaths = (e: TemporaError) =>
  (e.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);

/** The Put/Delete items of a transaction that target `table`. */
const on = (items: TransactItem[] | undefined, table: string) =>
  (items ?? []).filter((i) => (i.Put?.TableName ?? i.Delete?.TableName) === table);
const putOn = (items: TransactItem[] | undefined, table: string) => {
  const found = on(items, table);
  expect(found, `one item on ${table}`).toHaveLength(1);
  expect(found[0]?.Put, `a Put on ${table}`).toBeDefined();
  return found[0]?.Put;
};

/** `#k = :k` key conditions resolved to `{ attribute: value }`. */
function keyCondition(input: QueryCommandInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of (input.KeyConditionExpression ?? '').split(/\s+AND\s+/i)) {
    const m = /^\s*(#?\w+)\s*=\s*(:\w+)\s*$/.exec(part);
    if (!m?.[1] || !m[2]) throw new Error(`unexpected key condition ${part}`);
    const name = m[1].startsWith('#') ? input.ExpressionAttributeNames?.[m[1]] : m[1];
    out[name ?? m[1]] = input.ExpressionAttributeValues?.[m[2]];
  }
  return out;
}

describe('EntityStore.create', () => {
  it('writes entity, master row and outbox event in ONE transaction of three items', async () => {
    const { store, ddb } = storeWith({});
    const view = await store.create(
      { name: 'Summer launch', slug: 'summer', metadata: { custom_rules: { max_participants: 10 } } },
      ctx(),
    );

    expect(ddb.sent).toHaveLength(1);
    expect(ddb.transactions).toHaveLength(1);
    const items = ddb.transactions[0];
    expect(items).toHaveLength(3);

    const entity = putOn(items, CAMPAIGN_TABLES.entity);
    expect(entity?.ConditionExpression).toBe('attribute_not_exists(id)');
    expect(entity?.Item).toMatchObject({
      id: view.id,
      name: 'Summer launch',
      slug: 'summer',
      state: 'active',
      owner_id: 'alice',
      version: 1,
      master_key: `campaign#${view.id}`,
      entity_type: 'campaign',
    });
    expect(entity?.Item?.metadata?.audit).toMatchObject({ created_by: 'alice', last_modified_by: 'alice' });

    const master = putOn(items, CAMPAIGN_TABLES.master);
    expect(master?.Item).toMatchObject({
      pk: `campaign#${view.id}`,
      entity_id: view.id,
      entity_type: 'campaign',
      entity_table: CAMPAIGN_TABLES.entity,
      service: 'campaign',
      environment: 'test',
      version: 1,
      lineage: { owner_id: 'alice', created_by: 'alice', correlation_id: 'corr-unit-0001' },
    });
    expect(master?.Item?.metadata).toStrictEqual(entity?.Item?.metadata);

    const outbox = putOn(items, CAMPAIGN_TABLES.outbox);
    expect(items?.at(-1)?.Put).toBe(outbox);
    expect(outbox?.ConditionExpression).toBe('attribute_not_exists(id)');
    const envelope = envelopeSchema.parse(outbox?.Item?.envelope);
    expect(envelope).toMatchObject({
      type: 'campaign.created',
      source: 'tempora.campaign',
      environment: 'test',
      correlation_id: 'corr-unit-0001',
      entity: { type: 'campaign', id: view.id, version: 1 },
      actor: { id: 'alice', role: 'admin' },
    });
    expect(outbox?.Item?.id).toBe(envelope.id);
    expect(outbox?.Item?.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it('adds one index row per tag and feature to the same transaction', async () => {
    const { store, ddb } = storeWith({});
    const view = await store.create(
      { name: 'x', metadata: { tags: ['a', 'b'], features: ['waitlist'] } },
      ctx(),
    );
    const items = ddb.transactions[0];
    expect(ddb.transactions).toHaveLength(1);
    const index = on(items, CAMPAIGN_TABLES.index);
    expect(index).toHaveLength(3);
    for (const i of index) expect(i.Put?.Item).toMatchObject({ id: view.id, entity_type: 'campaign' });
    expect(items).toHaveLength(3 + 3);
  });

  it('returns the public view: system fields set, no internal attributes', async () => {
    const { store } = storeWith({});
    const view = await store.create({ name: 'Summer' }, ctx());
    expect(view).toMatchObject({ name: 'Summer', state: 'active', owner_id: 'alice', version: 1 });
    expect(view.created_at).toBe(view.updated_at);
    for (const k of ['entity_type', 'category', 'master_key', 'list_sk']) expect(view).not.toHaveProperty(k);
  });

  it('keeps a state given in the body', async () => {
    const { store, ddb } = storeWith({});
    await store.create({ name: 'Draft', state: 'draft' }, ctx());
    expect(putOn(ddb.transactions[0], CAMPAIGN_TABLES.entity)?.Item?.state).toBe('draft');
  });

  it('refuses a role the service does not allow, with the rule in details, sending nothing', async () => {
    const { store, ddb } = storeWith({});
    const e = await caught(() => store.create({ name: 'x' }, ctx(plainUser)));
    expect(e.status).toBe(403);
    expect(e.code).toBe('forbidden');
    expect(e.details).toMatchObject({ rule: 'campaign.create', allowed_roles: ['admin', 'service'] });
    expect(ddb.sent).toHaveLength(0);
  });

  it('reports invalid fields AND invalid metadata in one 400, sending nothing', async () => {
    const { store, ddb } = storeWith({});
    const e = await caught(() =>
      store.create(
        { name: '', slug: 'Not A Slug', colour: 'red', metadata: { tags: 'launch', bogus: 1 } },
        ctx(),
      ),
    );
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    expect(issuePaths(e)).toEqual(
      expect.arrayContaining(['name', 'slug', 'colour', 'metadata.tags', 'metadata.bogus']),
    );
    expect(ddb.sent).toHaveLength(0);
  });

  it('rejects server-owned fields as read-only', async () => {
    const { store, ddb } = storeWith({});
    const e = await caught(() => store.create({ name: 'x', id: 'mine', version: 7, master_key: 'k' }, ctx()));
    expect(e.status).toBe(400);
    const issues = (e.details as { issues: Array<{ path: string; message: string }> }).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'id', message: 'is read-only' },
        { path: 'version', message: 'is read-only' },
        { path: 'master_key', message: 'is read-only' },
      ]),
    );
    expect(ddb.sent).toHaveLength(0);
  });

  it.each([null, [], 'text', 42])('rejects a non-object body %j with 400', async (body) => {
    const { store, ddb } = storeWith({});
    const e = await caught(() => store.create(body, ctx()));
    expect(e.status).toBe(400);
    expect(ddb.sent).toHaveLength(0);
  });

  it('rejects oversize metadata with 413, sending nothing', async () => {
    const { store, ddb } = storeWith({});
    const e = await caught(() =>
      store.create(
        { name: 'big', metadata: { custom_rules: { blob: 'x'.repeat(MAX_METADATA_BYTES) } } },
        ctx(),
      ),
    );
    expect(e.status).toBe(413);
    expect(e.code).toBe('payload_too_large');
    expect(ddb.sent).toHaveLength(0);
  });
});

describe('EntityStore.patch', () => {
  it('writes version + 1 under a version condition and emits <entity>.updated', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 3)] });
    const view = await store.patch(
      'c1',
      { name: 'Renamed', metadata: { custom_rules: { tier: 'gold' } } },
      ctx(),
    );

    expect(view).toMatchObject({ id: 'c1', name: 'Renamed', version: 4 });
    expect(ddb.transactions).toHaveLength(1);
    const items = ddb.transactions[0];
    expect(putOn(items, CAMPAIGN_TABLES.entity)).toMatchObject({
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': 3 },
      Item: { id: 'c1', version: 4, name: 'Renamed', metadata: { custom_rules: { tier: 'gold' } } },
    });
    expect(putOn(items, CAMPAIGN_TABLES.master)?.Item).toMatchObject({ pk: 'campaign#c1', version: 4 });
    expect(putOn(items, CAMPAIGN_TABLES.outbox)?.Item?.envelope).toMatchObject({
      type: 'campaign.updated',
      entity: { type: 'campaign', id: 'c1', version: 4 },
    });
  });

  it('answers an If-Match mismatch with 409 without any transaction', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 3)] });
    const e = await caught(() => store.patch('c1', { name: 'x' }, ctx(), 2));
    expect(e.status).toBe(409);
    expect(e.details).toMatchObject({ id: 'c1', expected_version: 2, current_version: 3 });
    expect(ddb.transactions).toHaveLength(0);
  });

  it('with If-Match, a conditional failure is a 409 at once (no retry)', async () => {
    const { store, ddb } = storeWith({
      rows: [storedRow('campaign', 'c1', 3)],
      onWrite: () => {
        throw conditionalFailure();
      },
    });
    const e = await caught(() => store.patch('c1', { name: 'x' }, ctx(), 3));
    expect(e.status).toBe(409);
    expect(ddb.transactions).toHaveLength(1);
  });

  it('without If-Match, re-reads and retries after a concurrent write (succeeds on the 2nd attempt)', async () => {
    const { store, ddb } = storeWith({
      rows: [storedRow('campaign', 'c1', 3), storedRow('campaign', 'c1', 4, { description: 'theirs' })],
      onWrite: (attempt) => {
        if (attempt === 1) throw conditionalFailure();
      },
    });
    const view = await store.patch('c1', { name: 'mine' }, ctx());
    expect(ddb.transactions).toHaveLength(2);
    expect(ddb.gets).toHaveLength(2);
    // The retry is based on the re-read row: both changes survive.
    expect(view).toMatchObject({ version: 5, name: 'mine', description: 'theirs' });
    expect(putOn(ddb.transactions[1], CAMPAIGN_TABLES.entity)?.ExpressionAttributeValues).toEqual({
      ':v': 4,
    });
  });

  it('without If-Match, gives up with 409 after the retry limit', async () => {
    const { store, ddb } = storeWith({
      rows: [storedRow('campaign', 'c1', 3)],
      onWrite: () => {
        throw conditionalFailure();
      },
    });
    const e = await caught(() => store.patch('c1', { name: 'x' }, ctx()));
    expect(e.status).toBe(409);
    expect(ddb.transactions).toHaveLength(MAX_UNCONDITIONAL_ATTEMPTS);
  });

  it('does not retry or disguise a failure that is not a conditional check', async () => {
    const throttled = new TransactionCanceledException({
      message: 'Transaction cancelled [ThrottlingError]',
      $metadata: {},
      CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }],
    });
    const { store, ddb } = storeWith({
      rows: [storedRow('campaign', 'c1', 3)],
      onWrite: () => {
        throw throttled;
      },
    });
    await expect(store.patch('c1', { name: 'x' }, ctx())).rejects.toBe(throttled);
    expect(ddb.transactions).toHaveLength(1);
  });

  it('is 404 for an unknown id', async () => {
    const { store, ddb } = storeWith({ rows: [undefined] });
    const e = await caught(() => store.patch('missing', { name: 'x' }, ctx()));
    expect(e.status).toBe(404);
    expect(ddb.transactions).toHaveLength(0);
  });

  it('validates the body before reading anything', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 3)] });
    const e = await caught(() => store.patch('c1', { name: 7, metadata: { tags: [1] } }, ctx()));
    expect(e.status).toBe(400);
    expect(issuePaths(e)).toEqual(expect.arrayContaining(['name', 'metadata.tags[0]']));
    expect(ddb.sent).toHaveLength(0);
  });

  it('refuses an empty update with 400', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 3)] });
    const e = await caught(() => store.patch('c1', {}, ctx()));
    expect(e.status).toBe(400);
    expect(ddb.sent).toHaveLength(0);
  });
});

describe('EntityStore.remove', () => {
  it('deletes entity (version condition) and master row and emits <entity>.deleted, in one transaction', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 4)] });
    await store.remove('c1', ctx());
    expect(ddb.transactions).toHaveLength(1);
    const items = ddb.transactions[0];
    expect(items).toHaveLength(3);
    expect(on(items, CAMPAIGN_TABLES.entity)[0]?.Delete).toEqual({
      TableName: CAMPAIGN_TABLES.entity,
      Key: { id: 'c1' },
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': 4 },
    });
    expect(on(items, CAMPAIGN_TABLES.master)[0]?.Delete).toMatchObject({ Key: { pk: 'campaign#c1' } });
    expect(putOn(items, CAMPAIGN_TABLES.outbox)?.Item?.envelope).toMatchObject({
      type: 'campaign.deleted',
      source: 'tempora.campaign',
      entity: { type: 'campaign', id: 'c1', version: 4 },
      actor: { id: 'alice', role: 'admin' },
    });
  });

  it('also deletes the index rows of the entity', async () => {
    const row = storedRow('campaign', 'c1', 4, { metadata: { tags: ['launch'], features: ['waitlist'] } });
    const { store, ddb } = storeWith({ rows: [row] });
    await store.remove('c1', ctx());
    const index = on(ddb.transactions[0], CAMPAIGN_TABLES.index);
    expect(index).toHaveLength(2);
    for (const i of index) expect(i.Delete?.Key).toBeDefined();
  });

  it('answers an If-Match mismatch with 409 without any transaction', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 4)] });
    const e = await caught(() => store.remove('c1', ctx(), 3));
    expect(e.status).toBe(409);
    expect(ddb.transactions).toHaveLength(0);
  });

  it('turns a concurrent change (conditional failure) into 409', async () => {
    const { store } = storeWith({
      rows: [storedRow('campaign', 'c1', 4)],
      onWrite: () => {
        throw conditionalFailure();
      },
    });
    expect((await caught(() => store.remove('c1', ctx()))).status).toBe(409);
  });

  it('refuses a role that may not delete', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 4)] });
    const e = await caught(() => store.remove('c1', ctx(plainUser)));
    expect(e.status).toBe(403);
    expect(e.details).toMatchObject({ rule: 'campaign.delete' });
    expect(ddb.sent).toHaveLength(0);
  });
});

describe('EntityStore.list', () => {
  it('queries the by_state index newest first, from the decoded cursor', async () => {
    const start = { id: 'c9', state: 'archived', list_sk: '2025-01-02T00:00:00.000Z#c9' };
    const last = { id: 'c7', state: 'archived', list_sk: '2025-01-01T00:00:00.000Z#c7' };
    const { store, ddb } = storeWith({
      respond: () => ({
        Items: [storedRow('campaign', 'c8', 1, { state: 'archived' })],
        LastEvaluatedKey: last,
      }),
    });

    const page = await store.list(
      {
        state: 'archived',
        limit: 5,
        cursor: encodeCursor(start, `${CAMPAIGN_TABLES.entity}|by_state|archived`),
      },
      plainUser,
    );

    expect(ddb.sent).toHaveLength(1);
    const input = ddb.query;
    expect(input).toMatchObject({
      TableName: CAMPAIGN_TABLES.entity,
      IndexName: 'by_state',
      ScanIndexForward: false,
      Limit: 5,
      ExclusiveStartKey: start,
    });
    expect(keyCondition(input)).toEqual({ state: 'archived' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: 'c8', state: 'archived' });
    expect(page.items[0]).not.toHaveProperty('master_key');
    expect(decodeCursor(page.next_cursor ?? '', `${CAMPAIGN_TABLES.entity}|by_state|archived`)).toEqual(last);
    // A cursor of another list (state active) is a 400 naming query.cursor, never sent to DynamoDB.
    await expect(
      store.list({ state: 'active', cursor: page.next_cursor ?? '' }, plainUser),
    ).rejects.toMatchObject({ status: 400, details: { issues: [{ path: 'query.cursor' }] } });
  });

  it('defaults to state active, page size 20, no cursor, and next_cursor null on the last page', async () => {
    const { store, ddb } = storeWith({ respond: () => ({ Items: [] }) });
    const page = await store.list({}, admin);
    const input = ddb.query;
    expect(input.IndexName).toBe('by_state');
    expect(keyCondition(input)).toEqual({ state: 'active' });
    expect(input.Limit).toBe(20);
    expect(input).not.toHaveProperty('ExclusiveStartKey');
    expect(page).toEqual({ items: [], next_cursor: null });
  });

  it('serves a tag filter from the index table (a Query, never a Scan), in index order', async () => {
    const { store, ddb } = storeWith({
      respond: (cmd) => {
        if (cmd instanceof QueryCommand) return { Items: [{ id: 'c1' }, { id: 'c2' }] };
        if (cmd instanceof BatchGetCommand) {
          return {
            Responses: {
              [CAMPAIGN_TABLES.entity]: [storedRow('campaign', 'c2', 1), storedRow('campaign', 'c1', 1)],
            },
          };
        }
        return {};
      },
    });
    const page = await store.list({ tag: 'launch' }, admin);
    expect(ddb.query.TableName).toBe(CAMPAIGN_TABLES.index);
    expect(Object.values(keyCondition(ddb.query))).toEqual(['campaign#tag#launch#active']);
    expect(page.items.map((i) => i.id)).toEqual(['c1', 'c2']);
    expect(ddb.sent.some((c) => c.constructor.name === 'ScanCommand')).toBe(false);
  });

  it('rejects a cursor it did not issue with 400, sending nothing', async () => {
    const { store, ddb } = storeWith({ respond: () => ({ Items: [] }) });
    const e = await caught(() => store.list({ cursor: 'not-a-cursor!!' }, admin));
    expect(e.status).toBe(400);
    expect(issuePaths(e)[0]).toBe('query.cursor');
    expect(ddb.sent).toHaveLength(0);
  });

  it('refuses users listing users (403 with the rule)', async () => {
    const { store, ddb } = storeWith({ service: 'user' });
    const e = await caught(() => store.list({}, plainUser));
    expect(e.status).toBe(403);
    expect(e.details).toMatchObject({ rule: 'user.list', allowed_roles: ['admin', 'service'] });
    expect(ddb.sent).toHaveLength(0);
  });

  it('under a self+admin policy, restricts a user to their own entities', async () => {
    const { store, ddb } = storeWith({ respond: () => ({ Items: [] }), policies: policyOf('self+admin') });
    await store.list({}, plainUser);
    const input = ddb.query;
    const bound = {
      ...keyCondition(input),
      ...Object.fromEntries(
        Object.entries(input.ExpressionAttributeNames ?? {}).map(([n, attr]) => [
          attr,
          input.ExpressionAttributeValues?.[n.replace('#', ':')],
        ]),
      ),
    };
    expect(bound.owner_id).toBe('bob');
  });
});

describe('EntityStore policy access', () => {
  it("under self+admin, a user may not read someone else's entity", async () => {
    const { store } = storeWith({ rows: [storedRow('campaign', 'c1', 1)], policies: policyOf('self+admin') });
    const e = await caught(() => store.get('c1', plainUser));
    expect(e.status).toBe(403);
    expect(String((e.details as { rule?: string }).rule)).toMatch(/^policy:/);
  });

  it('under self+admin, a user may read their own entity', async () => {
    const mine = storedRow('campaign', 'c1', 1, { owner_id: 'bob' });
    const { store } = storeWith({ rows: [mine], policies: policyOf('self+admin') });
    await expect(store.get('c1', plainUser)).resolves.toMatchObject({ id: 'c1' });
  });
});

describe('EntityStore.verb', () => {
  it('reactivate sets the user active and emits user.reactivated', async () => {
    const { store, ddb } = storeWith({
      service: 'user',
      rows: [storedRow('user', 'u1', 2, { state: 'inactive' })],
    });
    const view = await store.verb('u1', 'reactivate', ctx());

    expect(view).toMatchObject({ id: 'u1', state: 'active', version: 3 });
    expect(ddb.transactions).toHaveLength(1);
    const items = ddb.transactions[0];
    const entity = putOn(items, USER_TABLES.entity);
    expect(entity).toMatchObject({
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': 2 },
      Item: { id: 'u1', state: 'active', version: 3 },
    });
    expect(entity?.Item?.metadata?.audit?.history?.at(-1)).toMatchObject({
      actor: 'alice',
      action: 'reactivate',
    });
    expect(putOn(items, USER_TABLES.master)?.Item).toMatchObject({
      pk: 'user#u1',
      state: 'active',
      entity_table: USER_TABLES.entity,
    });
    expect(putOn(items, USER_TABLES.outbox)?.Item?.envelope).toMatchObject({
      type: 'user.reactivated',
      source: 'tempora.user',
      entity: { type: 'user', id: 'u1', version: 3 },
      payload: { state: 'active' },
    });
  });

  it('refuses a role the verb does not allow', async () => {
    const { store, ddb } = storeWith({ service: 'user', rows: [storedRow('user', 'u1', 2)] });
    const e = await caught(() => store.verb('u1', 'reactivate', ctx(plainUser)));
    expect(e.status).toBe(403);
    expect(e.details).toMatchObject({ rule: 'user.reactivate' });
    expect(ddb.sent).toHaveLength(0);
  });

  it('is 404 for an unknown verb', async () => {
    const { store, ddb } = storeWith({ service: 'user', rows: [storedRow('user', 'u1', 2)] });
    expect((await caught(() => store.verb('u1', 'explode', ctx()))).status).toBe(404);
    expect(ddb.sent).toHaveLength(0);
  });
});

describe('EntityStore.get', () => {
  it('reads consistently and returns the view', async () => {
    const { store, ddb } = storeWith({ rows: [storedRow('campaign', 'c1', 2)] });
    const view = await store.get('c1', plainUser);
    expect(view).toMatchObject({ id: 'c1', version: 2 });
    expect(view).not.toHaveProperty('list_sk');
    expect(ddb.gets[0]?.input).toEqual({
      TableName: CAMPAIGN_TABLES.entity,
      Key: { id: 'c1' },
      ConsistentRead: true,
    });
  });

  it('is 404 for an unknown id', async () => {
    const { store } = storeWith({ rows: [undefined] });
    const e = await caught(() => store.get('nope', admin));
    expect([e.status, e.code]).toEqual([404, 'not_found']);
  });
});

describe('EntityStore intent planner (injected: the store knows no scheduler)', () => {
  it('publishes what the injected planner plans, as scheduler.schedule envelopes after the write', async () => {
    const ddb = new FakeDdb();
    const seen: Array<{ before: unknown; after: unknown }> = [];
    const planner: IntentPlanner = {
      planned: (service, before, after) => {
        seen.push({ before, after });
        return after
          ? [
              {
                action: 'archive',
                run_at: '2030-01-01T00:00:00.000Z',
                pattern: 'probe',
                cancel_on: [],
                entity: { type: service.entity, id: after.id },
              },
            ]
          : [];
      },
      retention: () => undefined,
    };
    const store = new EntityStore(getService('campaign'), CAMPAIGN_TABLES, 'test', ddb.client, FULL, planner);
    const view = await store.create({ name: 'Planned' }, ctx());
    expect(seen).toEqual([{ before: undefined, after: expect.objectContaining({ id: view.id }) }]);
    const outbox = on(ddb.transactions[0], CAMPAIGN_TABLES.outbox).map((i) =>
      envelopeSchema.parse(i.Put?.Item?.envelope),
    );
    expect(outbox.map((e) => e.type)).toEqual(['campaign.created', 'scheduler.schedule']);
    expect(outbox[1]?.payload).toMatchObject({ pattern: 'probe', entity: { type: 'campaign', id: view.id } });
  });

  it('by default plans the lifecycle rules (retention on create under a finite retention)', async () => {
    const ddb = new FakeDdb();
    const finite: PolicySource = async (key) => ({ ...(await FULL(key)), retention: 'P30D' });
    const store = new EntityStore(getService('campaign'), CAMPAIGN_TABLES, 'test', ddb.client, finite);
    await store.create({ name: 'Kept 30 days' }, ctx());
    const outbox = on(ddb.transactions[0], CAMPAIGN_TABLES.outbox).map((i) =>
      envelopeSchema.parse(i.Put?.Item?.envelope),
    );
    expect(outbox.map((e) => [e.type, (e.payload as { pattern?: string }).pattern])).toEqual([
      ['campaign.created', undefined],
      ['scheduler.schedule', 'retention'],
    ]);
  });
});

describe('EntityStore: the event must fit one EventBridge entry (256 KB)', () => {
  it('refuses a write whose envelope would exceed 256 KB (413 naming body), before any write', async () => {
    const ddb = new FakeDdb(() => ({}));
    const store = new EntityStore(
      getService('analytics'),
      { ...CAMPAIGN_TABLES, entity: 'tempora-test-service_analytics_event' },
      'test',
      ddb.client,
      FULL,
    );
    // Within the 256 KB body cap, but the envelope adds the metadata and its own fields.
    const properties = { pad: 'x'.repeat(250 * 1024) };
    const metadata = { custom_rules: { pad: 'y'.repeat(30 * 1024) } };
    await expect(store.create({ name: 'page.view', properties, metadata }, ctx())).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
      details: { path: 'body', limit: 256 * 1024 },
    });
    expect(ddb.transactions).toEqual([]);
  });
});
