/** The kit's in-memory DynamoDB (test/kit/dynamodb-model.ts) answers as DynamoDB would. */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailure } from '../../../lib/aws/dynamodb.ts';
import { DynamoModel } from '../../kit/dynamodb-model.ts';

const model = () =>
  new DynamoModel(
    { t: { partitionKey: 'pk', sortKey: 'sk', indexes: { by_n: { partitionKey: 'g', sortKey: 'n' } } } },
    { 'attribute_not_exists(pk)': (item) => item === undefined },
  );
const put = (pk: string, sk: string, extra: Record<string, unknown> = {}) =>
  new PutCommand({
    TableName: 't',
    Item: { pk, sk, ...extra },
    ConditionExpression: 'attribute_not_exists(pk)',
  });

describe('DynamoModel', () => {
  it('refuses a write whose condition fails, as DynamoDB does', async () => {
    const db = model();
    await db.client.send(put('a', '1'));
    const err = await db.client.send(put('a', '1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect(isConditionFailure(err)).toBe(true);
  });

  it('applies a transaction whole or not at all, with a reason per item', async () => {
    const db = model();
    await db.client.send(put('a', '1'));
    const tx = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: 't',
            Item: { pk: 'b', sk: '1' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: 't',
            Item: { pk: 'a', sk: '1' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    const err = await db.client.send(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionCanceledException);
    expect((err as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(db.item('t', { pk: 'b', sk: '1' })).toBeUndefined();
  });

  it('updates with SET, if_not_exists, + and REMOVE against the item before the update', async () => {
    const db = model();
    await db.client.send(put('a', '1', { n: 1, gone: true }));
    await db.client.send(
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'a', sk: '1' },
        UpdateExpression: 'SET n = n + :one, m = if_not_exists(m, :zero), #s = :s REMOVE gone',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':s': 'ok' },
      }),
    );
    expect(db.item('t', { pk: 'a', sk: '1' })).toEqual({ pk: 'a', sk: '1', n: 2, m: 0, status: 'ok' });
  });

  it('refuses an expression it was not told, a placeholder unused or undefined, a bare reserved word', async () => {
    const db = model();
    const update = (
      UpdateExpression: string,
      values: Record<string, unknown>,
      ConditionExpression?: string,
    ) =>
      db.client.send(
        new UpdateCommand({
          TableName: 't',
          Key: { pk: 'a', sk: '1' },
          UpdateExpression,
          ExpressionAttributeValues: values,
          ...(ConditionExpression ? { ConditionExpression } : {}),
        }),
      );
    await expect(update('SET n = :n', { ':n': 1 }, 'n = :n')).rejects.toThrow(/was not told what "n = :n"/);
    await expect(update('SET n = :n', { ':n': 1, ':x': 2 })).rejects.toThrow(/unused placeholders :x/);
    await expect(update('SET n = :m', { ':n': 1 })).rejects.toThrow(/undefined placeholders :m/);
    await expect(update('SET status = :n', { ':n': 1 })).rejects.toThrow(/reserved word status/);
  });

  it('queries an index in sort order, a page at a time', async () => {
    const db = model();
    for (const [sk, n] of [
      ['x', 3],
      ['y', 1],
      ['z', 2],
    ] as const)
      await db.client.send(put('p', sk, { g: 'G', n }));
    db.pageSize = 2;
    const query = (start?: Record<string, unknown>) =>
      db.client.send(
        new QueryCommand({
          TableName: 't',
          IndexName: 'by_n',
          KeyConditionExpression: 'g = :g',
          ExpressionAttributeValues: { ':g': 'G' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
    const first = await query();
    expect(first.Items?.map((i) => i.n)).toEqual([1, 2]);
    expect(first.LastEvaluatedKey).toEqual({ pk: 'p', sk: 'z', g: 'G', n: 2 });
    const second = await query(first.LastEvaluatedKey);
    expect(second.Items?.map((i) => i.n)).toEqual([3]);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });
});
