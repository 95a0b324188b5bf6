import type { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  applied,
  batchGetAll,
  batchWriteAll,
  cancellationCodes,
  decodeCursor,
  encodeCursor,
  IN_LIMIT,
  inList,
  isConditionFailure,
  isTransactionConflict,
  queryAll,
  queryPages,
  setCursorSecret,
} from '../../../lib/aws/dynamodb.ts';
import { FakeDdb } from '../../kit/dynamodb.ts';

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra });
const cancelled = (...codes: string[]) =>
  named('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) });

describe('isConditionFailure', () => {
  it('is true for a failed condition on a single write', () => {
    expect(isConditionFailure(named('ConditionalCheckFailedException'))).toBe(true);
  });

  it('is true for a transaction cancelled because one item failed its condition', () => {
    expect(isConditionFailure(cancelled('None', 'ConditionalCheckFailed', 'None'))).toBe(true);
  });

  it('is false for throttling, conflicts, validation and unknown cancellations', () => {
    expect(isConditionFailure(cancelled('None', 'ThrottlingError'))).toBe(false);
    expect(isConditionFailure(cancelled('TransactionConflict', 'None'))).toBe(false);
    expect(isConditionFailure(cancelled('ValidationError'))).toBe(false);
    expect(isConditionFailure(named('TransactionCanceledException'))).toBe(false);
    expect(isConditionFailure(named('ProvisionedThroughputExceededException'))).toBe(false);
    expect(isConditionFailure(new Error('boom'))).toBe(false);
    expect(isConditionFailure(undefined)).toBe(false);
    expect(isConditionFailure('ConditionalCheckFailedException')).toBe(false);
  });
});

describe('applied', () => {
  it('is true when the write succeeded', async () => {
    await expect(applied(Promise.resolve({}))).resolves.toBe(true);
  });

  it('is false when the condition did not hold, single write or transaction', async () => {
    await expect(applied(Promise.reject(named('ConditionalCheckFailedException')))).resolves.toBe(false);
    await expect(applied(Promise.reject(cancelled('None', 'ConditionalCheckFailed')))).resolves.toBe(false);
  });

  it('throws anything else: throttling and other cancellations are faults, not verdicts', async () => {
    await expect(applied(Promise.reject(cancelled('ThrottlingError')))).rejects.toThrow(
      'TransactionCanceledException',
    );
    await expect(applied(Promise.reject(named('ProvisionedThroughputExceededException')))).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });
});

describe('isTransactionConflict', () => {
  it('is true for contention with another transaction only', () => {
    expect(isTransactionConflict(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isTransactionConflict(named('TransactionConflictException'))).toBe(true);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed'))).toBe(false);
    expect(isTransactionConflict(cancelled('ThrottlingError'))).toBe(false);
    expect(isTransactionConflict(named('ConditionalCheckFailedException'))).toBe(false);
  });
});

describe('cancellationCodes', () => {
  it('lists the reasons in item order, None for items without a code', () => {
    const e = named('TransactionCanceledException', {
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, {}],
    });
    expect(cancellationCodes(e)).toEqual(['ConditionalCheckFailed', 'None']);
    expect(cancellationCodes(named('ConditionalCheckFailedException'))).toEqual([]);
  });
});

/** A client whose query answers page by page from `pages`, recording each input. */
function pagedClient(pages: Array<Array<Record<string, unknown>>>) {
  const db = new FakeDdb<QueryCommand>((command) => {
    const start = command.input.ExclusiveStartKey as { page: number } | undefined;
    const i = start ? start.page : 0;
    return {
      Items: pages[i],
      ScannedCount: pages[i]?.length ?? 0,
      ...(i + 1 < pages.length ? { LastEvaluatedKey: { page: i + 1 } } : {}),
    };
  });
  return db;
}

describe('inList', () => {
  it('names each value once, in order, and says = for one', () => {
    const values: Record<string, unknown> = { ':kept': 1 };
    expect(inList('#status', ['a', 'b', 'c'], 's', values)).toBe('#status IN (:s0, :s1, :s2)');
    expect(values).toEqual({ ':kept': 1, ':s0': 'a', ':s1': 'b', ':s2': 'c' });
    expect(inList('#t', ['x'], 't', values)).toBe('#t = :t0');
    expect(values[':t0']).toBe('x');
  });

  it('refuses no value and more than DynamoDB takes', () => {
    expect(() => inList('#a', [], 'a', {})).toThrow(/1 to 100 values, not 0/);
    expect(
      inList(
        '#a',
        Array.from({ length: IN_LIMIT }, (_, i) => i),
        'a',
        {},
      ),
    ).toContain(':a99)');
    expect(() =>
      inList(
        '#a',
        Array.from({ length: IN_LIMIT + 1 }, (_, i) => i),
        'a',
        {},
      ),
    ).toThrow(/not 101/);
  });
});

describe('queryAll / queryPages', () => {
  it('reads every page, passing each LastEvaluatedKey on', async () => {
    const db = pagedClient([[{ id: 1 }, { id: 2 }], [], [{ id: 3 }]]);
    const items = await queryAll(db.client, { TableName: 't', KeyConditionExpression: 'pk = :p' });
    expect(items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(db.queries.map((i) => i.ExclusiveStartKey)).toEqual([undefined, { page: 1 }, { page: 2 }]);
    expect(db.queries.every((i) => i.TableName === 't')).toBe(true);
  });

  it('stops reading when the caller stops iterating', async () => {
    const db = pagedClient([[{ id: 1 }], [{ id: 2 }], [{ id: 3 }]]);
    const seen: unknown[] = [];
    for await (const page of queryPages(db.client, { TableName: 't' })) {
      seen.push(...page.items);
      expect(page.lastKey).toEqual({ page: 1 });
      break;
    }
    expect(seen).toEqual([{ id: 1 }]);
    expect(db.queries).toHaveLength(1);
  });
});

describe('batchGetAll', () => {
  type Batch = {
    input: { RequestItems: Record<string, { Keys: Array<{ id: number }>; ConsistentRead?: boolean }> };
  };
  const keys = (n: number) => Array.from({ length: n }, (_, id) => ({ id }));

  it('asks 100 keys a call, with the read settings, and returns every item found', async () => {
    const ddb = new FakeDdb<Batch>((cmd) => ({
      Responses: { t: cmd.input.RequestItems.t?.Keys.filter((k) => k.id % 2 === 0) },
    }));
    const items = await batchGetAll(ddb.client, 't', keys(250), { ConsistentRead: true });
    expect(items).toHaveLength(125);
    expect(ddb.sent.map((c) => c.input.RequestItems.t?.Keys.length)).toEqual([100, 100, 50]);
    expect(ddb.sent.every((c) => c.input.RequestItems.t?.ConsistentRead === true)).toBe(true);
  });

  it('asks again for the keys DynamoDB left unprocessed (throttling)', async () => {
    let first = true;
    const ddb = new FakeDdb<Batch>((cmd) => {
      const asked = cmd.input.RequestItems.t?.Keys ?? [];
      if (!first) return { Responses: { t: asked } };
      first = false;
      return { Responses: { t: asked.slice(0, 2) }, UnprocessedKeys: { t: { Keys: asked.slice(2) } } };
    });
    expect(await batchGetAll(ddb.client, 't', keys(5))).toEqual(keys(5));
    expect(ddb.sent.map((c) => c.input.RequestItems.t?.Keys)).toEqual([keys(5), keys(5).slice(2)]);
  });
});

describe('batchWriteAll', () => {
  type Batch = { input: { RequestItems: Record<string, Array<{ PutRequest: { Item: { id: number } } }>> } };
  const puts = (n: number) => Array.from({ length: n }, (_, id) => ({ PutRequest: { Item: { id } } }));
  const noWait = { sleep: async () => {}, random: () => 0 };

  it('sends 25 requests a call, again what DynamoDB left unprocessed, and returns what never went', async () => {
    let calls = 0;
    const ddb = new FakeDdb<Batch>((cmd) => {
      calls += 1;
      const asked = cmd.input.RequestItems.t ?? [];
      // The first call leaves its last request unprocessed; id 29 is never processed.
      const left = calls === 1 ? asked.slice(-1) : asked.filter((r) => r.PutRequest.Item.id === 29);
      return left.length > 0 ? { UnprocessedItems: { t: left } } : {};
    });
    const left = await batchWriteAll(ddb.client, 't', puts(30), {
      ...noWait,
      concurrency: 1,
      maxAttempts: 3,
    });
    expect(left).toEqual([{ PutRequest: { Item: { id: 29 } } }]);
    expect(ddb.sent.map((c) => c.input.RequestItems.t?.length)).toEqual([25, 1, 5, 1, 1]);
  });
});

describe('cursor codec', () => {
  const SCOPE = 'tempora-test-t|by_state|active';

  it('round-trips a LastEvaluatedKey as an opaque, signed base64url token', () => {
    const key = { pk: 'campaign', sk: 'x/y+z', n: 3 };
    const cursor = encodeCursor(key, SCOPE);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, SCOPE)).toEqual(key);
  });

  it('rejects what it did not make with a 400 naming query.cursor', () => {
    const good = encodeCursor({ id: 'a' }, SCOPE);
    const [payload = '', mac = ''] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ id: 'b' })).toString('base64url');
    for (const bad of [
      'not-a-cursor',
      '%%%',
      payload, // an unsigned cursor (the format before signing)
      `${forgedPayload}.${mac}`, // altered position, old MAC
      `${payload}.${mac.slice(0, -2)}`, // truncated MAC
      `${payload}.${mac}.x`,
      encodeCursor({ nested: { a: 1 } } as never, SCOPE), // signed, but not a key
    ]) {
      expect(() => decodeCursor(bad, SCOPE), bad).toThrow(
        expect.objectContaining({
          status: 400,
          details: { issues: [expect.objectContaining({ path: 'query.cursor' })] },
        }),
      );
    }
  });

  it('refuses a cursor of another query (stale or replayed across lists)', () => {
    const c = encodeCursor({ id: 'a' }, SCOPE);
    expect(() => decodeCursor(c, 'tempora-test-t|by_state|archived')).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('refuses cursors signed under another stack secret', () => {
    setCursorSecret('stack-one-secret-0123456789abcdef0123456789');
    const c = encodeCursor({ id: 'a' }, SCOPE);
    expect(decodeCursor(c, SCOPE)).toEqual({ id: 'a' });
    setCursorSecret('stack-two-secret-0123456789abcdef0123456789');
    expect(() => decodeCursor(c, SCOPE)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
