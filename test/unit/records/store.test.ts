import {
  type BatchGetCommand,
  BatchWriteCommand,
  type PutCommand,
  type QueryCommand,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  BATCH_GET_LIMIT,
  BATCH_WRITE_LIMIT,
  backoffDelay,
  chunk,
  sendInChunks,
} from '../../../lib/aws/batch.ts';
import type { MetadataRecord } from '../../../lib/records/contract.ts';
import { DynamoRecordRepo, WriteConflictError } from '../../../lib/records/store.ts';
import { FakeDdb } from '../../kit/dynamodb.ts';
import { aRecord } from '../../kit/records-memory-repo.ts';

const rec = (i: number): MetadataRecord => aRecord({ id: `id${i}`, name: `r${i}` });

const noSleep = { sleep: async () => {}, random: () => 0.5 };

/** The kit's fake client, answering with `reply` (`call`: 1 for the first command). */
function fakeClient(reply: (cmd: unknown, call: number) => unknown) {
  const db: FakeDdb = new FakeDdb((cmd) => reply(cmd, db.sent.length));
  return { client: db.client, sent: db.sent };
}

describe('chunking and retry of unprocessed items', () => {
  it('chunks by the size limit', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 25)).toEqual([]);
  });

  it('full-jitter exponential backoff, capped', () => {
    expect(backoffDelay(1, { random: () => 0.999, baseDelayMs: 50 })).toBe(99);
    expect(backoffDelay(3, { random: () => 0.5, baseDelayMs: 50 })).toBe(200);
    expect(backoffDelay(20, { random: () => 0.999, baseDelayMs: 50, maxDelayMs: 2000 })).toBe(1998);
    expect(backoffDelay(2, { random: () => 0 })).toBe(0);
  });

  it('resends only the unprocessed part, with a growing backoff, until done', async () => {
    const sizes: number[] = [];
    const delays: number[] = [];
    const left = await sendInChunks(
      Array.from({ length: 60 }, (_, i) => i),
      25,
      async (c) => {
        sizes.push(c.length);
        // the first attempt of each chunk leaves its last 3 unprocessed; the retry succeeds
        return c.length > 3 ? c.slice(-3) : [];
      },
      { sleep: async (ms) => void delays.push(ms), random: () => 1, concurrency: 1 },
    );
    expect(left).toEqual([]);
    expect(sizes).toEqual([25, 3, 25, 3, 10, 3]);
    expect(delays).toEqual([100, 100, 100]); // first retry: base·2¹ with random() = 1
  });

  it('gives up after maxAttempts and returns what is left', async () => {
    let calls = 0;
    const left = await sendInChunks(
      [1, 2, 3],
      25,
      async (c) => {
        calls++;
        return c.slice(1);
      },
      { ...noSleep, maxAttempts: 2 },
    );
    expect(calls).toBe(2);
    expect(left).toEqual([3]);
  });
});

describe('DynamoRecordRepo', () => {
  it('BatchWriteItem in chunks of 25, retrying UnprocessedItems', async () => {
    let firstOfSecondChunk = true;
    const { client, sent } = fakeClient((cmd) => {
      const input = (cmd as BatchWriteCommand).input;
      const reqs = input.RequestItems?.t ?? [];
      if (reqs.length === 25 && reqs[0]?.PutRequest?.Item?.name === 'r25' && firstOfSecondChunk) {
        firstOfSecondChunk = false;
        return { UnprocessedItems: { t: reqs.slice(20) } };
      }
      return {};
    });
    const repo = new DynamoRecordRepo(client, 't', { ...noSleep, concurrency: 1 });
    const writes = [
      ...Array.from({ length: 60 }, (_, i) => ({ put: rec(i) })),
      { delete: { type: 'object', name: 'gone' } },
    ];
    const left = await repo.batchWrite(writes);
    expect(left).toEqual([]);
    const sizes = sent.map((c) => {
      expect(c).toBeInstanceOf(BatchWriteCommand);
      return (c as BatchWriteCommand).input.RequestItems?.t?.length;
    });
    expect(sizes).toEqual([25, 25, 5, 11]);
    expect(Math.max(...(sizes as number[]))).toBeLessThanOrEqual(BATCH_WRITE_LIMIT);
    const items = (sent[0] as BatchWriteCommand).input.RequestItems?.t?.[0]?.PutRequest?.Item;
    expect(items).toMatchObject({ type: 'object', name: 'r0', type_name: 'object#r0' });
    const last = (sent[3] as BatchWriteCommand).input.RequestItems?.t?.at(-1);
    expect(last).toEqual({ DeleteRequest: { Key: { type: 'object', name: 'gone' } } });
  });

  it('returns the items still unprocessed after the bounded attempts', async () => {
    const { client, sent } = fakeClient((cmd) => ({
      UnprocessedItems: { t: (cmd as BatchWriteCommand).input.RequestItems?.t?.slice(0, 1) },
    }));
    const repo = new DynamoRecordRepo(client, 't', { ...noSleep, maxAttempts: 3 });
    const left = await repo.batchWrite([{ put: rec(1) }, { put: rec(2) }]);
    expect(sent).toHaveLength(3);
    expect(left).toEqual([{ put: rec(1) }]);
  });

  it('BatchGetItem in chunks of 100 with consistent reads, retrying UnprocessedKeys, dropping bookkeeping attributes', async () => {
    let retried = false;
    const { client, sent } = fakeClient((cmd) => {
      const keys = (cmd as BatchGetCommand).input.RequestItems?.t?.Keys ?? [];
      expect((cmd as BatchGetCommand).input.RequestItems?.t?.ConsistentRead).toBe(true);
      const answered = !retried && keys.length === 100 ? keys.slice(0, 90) : keys;
      const unprocessed = !retried && keys.length === 100 ? keys.slice(90) : [];
      if (unprocessed.length) retried = true;
      return {
        Responses: { t: answered.map((k) => ({ ...rec(Number(String(k.name).slice(1))), type_name: 'x' })) },
        ...(unprocessed.length ? { UnprocessedKeys: { t: { Keys: unprocessed } } } : {}),
      };
    });
    const repo = new DynamoRecordRepo(client, 't', { ...noSleep, concurrency: 1 });
    const keys = Array.from({ length: 150 }, (_, i) => ({ type: 'object', name: `r${i}` }));
    const found = await repo.batchGet([...keys, { type: 'object', name: 'r0' }]);
    expect(found.size).toBe(150);
    expect(found.get('object/r7')).toEqual(rec(7));
    const sizes = sent.map((c) => (c as BatchGetCommand).input.RequestItems?.t?.Keys?.length);
    expect(sizes).toEqual([100, 10, 50]);
    expect(Math.max(...(sizes as number[]))).toBeLessThanOrEqual(BATCH_GET_LIMIT);
  });

  it('conditions a put on the version or on absence and maps a failed condition to WriteConflictError', async () => {
    const { client, sent } = fakeClient((_cmd, call) => {
      if (call === 2) throw Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' });
      return {};
    });
    const repo = new DynamoRecordRepo(client, 't');
    await repo.put(rec(1), null);
    await expect(repo.put(rec(1), 4)).rejects.toBeInstanceOf(WriteConflictError);
    expect((sent[0] as PutCommand).input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'type' },
    });
    expect((sent[1] as PutCommand).input).toMatchObject({
      ConditionExpression: '#version = :version',
      ExpressionAttributeValues: { ':version': 4 },
    });
  });

  it('names the failed actions of a cancelled transaction', async () => {
    const { client, sent } = fakeClient(() => {
      throw Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      });
    });
    const repo = new DynamoRecordRepo(client, 't');
    const err = await repo
      .transactWrite([
        { put: rec(1), expectedVersion: null },
        { delete: { type: 'object', name: 'r2' }, expectedVersion: 3 },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteConflictError);
    expect((err as WriteConflictError).indexes).toEqual([1]);
    const items = (sent[0] as TransactWriteCommand).input.TransactItems ?? [];
    expect(items[1]?.Delete).toMatchObject({ ConditionExpression: '#version = :version' });
  });

  it('builds a Query with a keyset bound, IN filters, projection and consistent reads on the table', async () => {
    const { client, sent } = fakeClient(() => ({
      Items: [{ ...rec(1), type_name: 'object#r1' }],
      LastEvaluatedKey: { k: 1 },
    }));
    const repo = new DynamoRecordRepo(client, 't');
    const page = await repo.queryPartition({
      partition: { index: 'table', value: 'object' },
      filters: { namespace: ['crm', 'ops'], state: ['active'] },
      after: 'r0',
      descending: true,
      limit: 5,
    });
    expect(page).toEqual({ items: [rec(1)], lastKey: { k: 1 } });
    const input = (sent[0] as QueryCommand).input;
    expect(input).toMatchObject({
      ConsistentRead: true,
      KeyConditionExpression: '#pk = :pk AND #sk < :after',
      ExpressionAttributeNames: {
        '#pk': 'type',
        '#sk': 'name',
        '#f_namespace': 'namespace',
        '#f_state': 'state',
      },
      FilterExpression: '#f_namespace IN (:f_namespace_0, :f_namespace_1) AND #f_state = :f_state_0',
      ScanIndexForward: false,
      Limit: 5,
    });
    await repo.queryPartition({
      partition: { index: 'by_state', value: 'draft' },
      filters: {},
      descending: false,
      projection: ['type', 'name'],
    });
    const gsi = (sent[1] as QueryCommand).input;
    expect(gsi).toMatchObject({ IndexName: 'by_state', ProjectionExpression: '#p0, #p1' });
    expect(gsi.ConsistentRead).toBeUndefined();
    expect(gsi.FilterExpression).toBeUndefined();
  });
});
