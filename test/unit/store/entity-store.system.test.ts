/** The entity store's system-write options used by platform consumers (issue 6). */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../../lib/events/envelope.ts';
import { getService } from '../../../lib/registry/index.ts';
import { EntityStore } from '../../../lib/store/entity-store.ts';
import { FakeDdb } from '../../kit/dynamodb.ts';

const TABLES = { entity: 'e', master: 'm', outbox: 'o', index: 'i' };

function store(row?: Record<string, unknown>) {
  const db = new FakeDdb((cmd) => (cmd instanceof GetCommand ? { Item: row } : {}));
  const s = new EntityStore(getService('notification'), TABLES, 'test', db.client);
  return { s, transactions: () => db.transactions };
}

const body = { user_id: 'u1', channel: 'in_app', title: 'Hi' };
const system = {
  actor: { sub: 'tempora.notification', role: 'service' as const },
  correlationId: 'corr-12345678',
  system: true,
};
const user = { actor: { sub: 'alice', role: 'admin' as const }, correlationId: 'corr-12345678' };

describe('EntityStore system options', () => {
  it('a system create may choose the id and the owner', async () => {
    const { s, transactions } = store();
    const v = await s.create(body, system, { id: 'FIXEDID', ownerId: 'u1' });
    expect(v).toMatchObject({ id: 'FIXEDID', owner_id: 'u1' });
    const put = transactions()[0]?.[0]?.Put;
    expect(put?.Item).toMatchObject({ id: 'FIXEDID', owner_id: 'u1' });
    expect(put?.ConditionExpression).toBe('attribute_not_exists(id)');
  });

  it('anyone else gets a fresh id and owns what they create', async () => {
    const { s } = store();
    const v = await s.create(body, user, { id: 'FIXEDID', ownerId: 'u1' });
    expect(v.id).not.toBe('FIXEDID');
    expect(v.owner_id).toBe('alice');
  });

  it('a patch can commit further events in the same transaction', async () => {
    const now = '2026-01-01T00:00:00.000Z';
    const { s, transactions } = store({
      ...body,
      id: 'N1',
      state: 'active',
      owner_id: 'u1',
      metadata: {},
      version: 1,
      created_at: now,
      updated_at: now,
      entity_type: 'notification',
      category: 'notification',
      master_key: 'notification#N1',
      list_sk: `${now}#N1`,
    });
    const extra = buildEnvelope({
      type: 'localization.translated',
      service: 'localization',
      environment: 'test',
      correlationId: 'corr-12345678',
      actor: { id: 'tempora.localization', role: 'service' },
      entity: { type: 'notification', id: 'N1', version: 2 },
    });
    await s.patch('N1', { title: 'Hello' }, system, 1, { alsoEmit: [extra] });
    const outbox = (transactions()[0] ?? [])
      .filter((i) => i.Put?.TableName === 'o')
      .map((i) => i.Put?.Item?.envelope?.type);
    expect(outbox).toEqual(['notification.updated', 'localization.translated']);
  });
});
