/**
 * The security service's audit trail (lib/security/audit.ts) over a fake DocumentClient that
 * records each command: query validation, the index Query it sends, the conditional put.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/tokens.ts';
import { isTemporaError, type TemporaError } from '../../../lib/errors.ts';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import { enforceDeclaration } from '../../../lib/lambda-kit/http.ts';
import { getService } from '../../../lib/registry/index.ts';
import { AuditLog } from '../../../lib/security/audit.ts';
import type { AuditQuery } from '../../../lib/security/contract-routes.ts';
import { FakeDdb as KitDdb } from '../../kit/dynamodb.ts';
import { envelopeOf } from '../../kit/events.ts';

const TABLE = 'tempora-test-service_security_audit';
type Command = GetCommand | PutCommand | QueryCommand;

class FakeDdb extends KitDdb<Command> {
  query(): QueryCommandInput {
    return this.one(QueryCommand);
  }

  put(): PutCommandInput {
    return this.one(PutCommand);
  }
}

const auditsRoute = getService('security').routes?.find((r) => r.path === '/api/security/audits');

/** A raw query string through the route's declaration (as the kit parses it), then to the log. */
const ask = async (audit: AuditLog, raw: Record<string, string>) => {
  if (!auditsRoute) throw new Error('GET /api/security/audits is not declared');
  const input = enforceDeclaration(auditsRoute, { sub: 'ops', role: 'admin' } as Principal, {
    params: {},
    query: raw,
    body: undefined,
  });
  return audit.query(input.query as AuditQuery);
};

const log = (ddb = new FakeDdb()) => ({ ddb, audit: new AuditLog(TABLE, ddb.client) });

/** The 400 a query is refused with, as `[path, message]` pairs. */
async function refused(audit: AuditLog, q: Record<string, string>): Promise<Array<[string, string]>> {
  const err = await ask(audit, q).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTemporaError(err), `expected a TemporaError for ${JSON.stringify(q)}`).toBe(true);
  const e = err as TemporaError;
  expect(e.status).toBe(400);
  expect(e.code).toBe('validation_failed');
  return (e.details as { issues: Array<{ path: string; message: string }> }).issues.map((i) => [
    i.path,
    i.message,
  ]);
}

const envelope = (over: Partial<EventEnvelope> = {}): EventEnvelope =>
  envelopeOf({
    correlationId: 'corr-audit-0001',
    entity: { type: 'user', id: 'u1', version: 1 },
    occurredAt: '2026-03-01T12:00:00.123+01:00',
    over,
  });

describe('AuditLog.query: validation', () => {
  it('requires entity_id or type (400 naming query.entity_id), and sends nothing', async () => {
    const { ddb, audit } = log();
    const issues = await refused(audit, {});
    expect(issues).toEqual([['query.entity_id', expect.stringMatching(/entity_id or type is required/)]]);
    expect(await refused(audit, { from: '2026-01-01T00:00:00Z' })).toContainEqual([
      'query.entity_id',
      expect.any(String),
    ]);
    expect(ddb.sent).toEqual([]);
  });

  it('requires from and to to be RFC 3339 date-times with an offset', async () => {
    const { ddb, audit } = log();
    for (const bad of [
      'yesterday',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '1767225600',
      '2026-02-30T00:00:00Z',
    ]) {
      expect(await refused(audit, { entity_id: 'u1', from: bad }), bad).toEqual([
        ['query.from', expect.any(String)],
      ]);
      expect(await refused(audit, { type: 'user.created', to: bad }), bad).toEqual([
        ['query.to', expect.any(String)],
      ]);
    }
    expect(ddb.sent).toEqual([]);
  });

  it('names every bad field at once', async () => {
    const { audit } = log();
    const paths = (await refused(audit, { entity_id: 'u1', from: 'x', to: 'y', limit: '0' })).map(([p]) => p);
    expect(paths.sort()).toEqual(['query.from', 'query.limit', 'query.to']);
  });

  it('bounds limit to 1..500 and refuses a cursor it did not issue', async () => {
    const { audit } = log();
    expect(await refused(audit, { entity_id: 'u1', limit: '501' })).toEqual([
      ['query.limit', expect.any(String)],
    ]);
    expect(await refused(audit, { entity_id: 'u1', limit: 'ten' })).toEqual([
      ['query.limit', expect.any(String)],
    ]);
    expect(await refused(audit, { entity_id: 'u1', cursor: 'not-a-cursor' })).toEqual([
      ['query.cursor', expect.any(String)],
    ]);
  });
});

describe('AuditLog.query: the Query it sends', () => {
  it('by entity within [from, to]: by_entity, at_sk BETWEEN the UTC bounds, oldest first', async () => {
    const { ddb, audit } = log();
    await ask(audit, { entity_id: 'u1', from: '2026-03-01T10:00:00+02:00', to: '2026-03-02T00:00:00Z' });
    expect(ddb.query()).toEqual({
      TableName: TABLE,
      IndexName: 'by_entity',
      KeyConditionExpression: '#k = :k AND at_sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#k': 'entity_id' },
      ExpressionAttributeValues: {
        ':k': 'u1',
        ':lo': '2026-03-01T08:00:00.000Z',
        // Inclusive of every record at `to` (at_sk = <iso>#<ulid>).
        ':hi': '2026-03-02T00:00:00.000Z#\uffff',
      },
      ScanIndexForward: true,
      Limit: 100,
    });
  });

  it('with only from or only to: an open range on at_sk', async () => {
    const a = log();
    await ask(a.audit, { entity_id: 'u1', from: '2026-03-01T00:00:00Z' });
    expect(a.ddb.query()).toMatchObject({
      KeyConditionExpression: '#k = :k AND at_sk >= :lo',
      ExpressionAttributeValues: { ':k': 'u1', ':lo': '2026-03-01T00:00:00.000Z' },
    });
    const b = log();
    await ask(b.audit, { entity_id: 'u1', to: '2026-03-01T00:00:00Z' });
    expect(b.ddb.query()).toMatchObject({
      KeyConditionExpression: '#k = :k AND at_sk <= :hi',
      ExpressionAttributeValues: { ':k': 'u1', ':hi': '2026-03-01T00:00:00.000Z#\uffff' },
    });
  });

  it('by type only: by_type, no range, no filter', async () => {
    const { ddb, audit } = log();
    await ask(audit, { type: 'user.created', limit: '10' });
    expect(ddb.query()).toEqual({
      TableName: TABLE,
      IndexName: 'by_type',
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'type' },
      ExpressionAttributeValues: { ':k': 'user.created' },
      ScanIndexForward: true,
      Limit: 10,
    });
  });

  it('by entity and type: by_entity, filtered on type', async () => {
    const { ddb, audit } = log();
    await ask(audit, { entity_id: 'u1', type: 'user.deleted' });
    expect(ddb.query()).toMatchObject({
      IndexName: 'by_entity',
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'entity_id', '#t': 'type' },
      ExpressionAttributeValues: { ':k': 'u1', ':t': 'user.deleted' },
      FilterExpression: '#t = :t',
      ScanIndexForward: true,
    });
  });

  it('pages with an opaque cursor: LastEvaluatedKey out, ExclusiveStartKey back in', async () => {
    const key = { id: 'e1', entity_id: 'u1', at_sk: '2026-03-01T00:00:00.000Z#e1' };
    const items = [{ id: 'e1' }];
    const first = log(new FakeDdb(() => ({ Items: items, LastEvaluatedKey: key })));
    const page = await ask(first.audit, { entity_id: 'u1' });
    expect(page.items).toEqual(items);
    expect(page.next_cursor).toEqual(expect.any(String));
    // Bound to its query: replayed for another entity it is a 400, not a start key.
    await expect(
      ask(log(new FakeDdb(() => ({ Items: [] }))).audit, {
        entity_id: 'u2',
        cursor: page.next_cursor ?? '',
      }),
    ).rejects.toMatchObject({ status: 400 });

    const second = log(new FakeDdb(() => ({ Items: [] })));
    expect(await ask(second.audit, { entity_id: 'u1', cursor: page.next_cursor ?? '' })).toEqual({
      items: [],
      next_cursor: null,
    });
    expect(second.ddb.query().ExclusiveStartKey).toEqual(key);
  });
});

describe('AuditLog.record', () => {
  it('puts the record once per envelope id: a conditional put on attribute_not_exists(id)', async () => {
    const { ddb, audit } = log();
    const e = envelope();
    expect(await audit.record(e)).toBe(true);
    const put = ddb.put();
    expect(put.TableName).toBe(TABLE);
    expect(put.ConditionExpression).toBe('attribute_not_exists(id)');
    expect(put.Item).toEqual({
      id: e.id,
      type: 'user.created',
      source: 'tempora.user',
      entity_id: 'u1',
      entity_type: 'user',
      occurred_at: e.occurred_at,
      // UTC, then the id: records of one instant stay distinct and in id order.
      at_sk: `2026-03-01T11:00:00.123Z#${e.id}`,
      correlation_id: 'corr-audit-0001',
      actor: { id: 'alice', role: 'admin' },
      envelope: e,
      recorded_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('returns false on a redelivery (ConditionalCheckFailedException), overwriting nothing', async () => {
    const { ddb, audit } = log(
      new FakeDdb(() => {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }),
    );
    expect(await audit.record(envelope())).toBe(false);
    expect(ddb.sent).toHaveLength(1);
  });

  it('rethrows any other failure (the event is retried, then dead-lettered)', async () => {
    const boom = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    const { audit } = log(
      new FakeDdb(() => {
        throw boom;
      }),
    );
    await expect(audit.record(envelope())).rejects.toBe(boom);
  });
});

describe('AuditLog.get', () => {
  it('gets by id, 404 when absent', async () => {
    const found = log(new FakeDdb(() => ({ Item: { id: 'e1' } })));
    expect(await found.audit.get('e1')).toEqual({ id: 'e1' });
    const sent = found.ddb.sent[0];
    expect(sent).toBeInstanceOf(GetCommand);
    expect((sent as GetCommand).input).toEqual({ TableName: TABLE, Key: { id: 'e1' } });

    const missing = log(new FakeDdb(() => ({})));
    await expect(missing.audit.get('nope')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
