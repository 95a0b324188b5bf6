/**
 * Retention follows the data: the policy row that decides an entity's retention is the one of
 * its owner's role (lib/policy/lifecycle.ts `retentionRole`), whoever creates it; access,
 * validation and exposure stay the caller's.
 */

import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/tokens.ts';
import { retentionRole } from '../../../lib/policy/lifecycle.ts';
import { type PolicyKey, resolvePolicy, SEED_POLICIES } from '../../../lib/policy/matrix.ts';
import { getService } from '../../../lib/registry/index.ts';
import { EntityStore } from '../../../lib/store/entity-store.ts';
import type { PolicySource } from '../../../lib/store/model.ts';
import { FakeDdb } from '../../kit/dynamodb.ts';

const admin: Principal = { sub: 'alice', role: 'admin' };
const service: Principal = { sub: 'svc', role: 'service' };
const user: Principal = { sub: 'bob', role: 'user' };

describe('retentionRole', () => {
  it('an account (a self-owned entity) follows the user row, whoever creates it', () => {
    expect(retentionRole(getService('user'), admin, 'u-1')).toBe('user');
    expect(retentionRole(getService('user'), service, 'u-1')).toBe('user');
  });

  it('data owned by someone other than the caller follows the user row', () => {
    expect(retentionRole(getService('notification'), service, 'u-42')).toBe('user');
  });

  it("what callers create for themselves follows their own role's row", () => {
    expect(retentionRole(getService('campaign'), admin, 'alice')).toBe('admin');
    expect(retentionRole(getService('referral'), user, 'bob')).toBe('user');
  });
});

/** The seeded matrix, as the PolicyStore serves it. */
const seeded: PolicySource = async (key: PolicyKey) => resolvePolicy(key, SEED_POLICIES);

describe('EntityStore.create plans the retention of the owner', () => {
  const tables = { entity: 'users', master: 'master', outbox: 'outbox', index: 'index' };

  it('a user account created by an admin on the dev stack gets the user row deletion intent', async () => {
    const ddb = new FakeDdb();
    const store = new EntityStore(getService('user'), tables, 'dev', ddb.client, seeded);
    const before = Date.now();
    const view = await store.create(
      { email: 'kept@example.com', username: 'kept_1' },
      { actor: admin, correlationId: 'c-1' },
    );

    const items = ddb.transactions[0] ?? [];
    const outbox = items
      .map((i) => i.Put)
      .filter((p) => p?.TableName === 'outbox')
      .map((p) => p?.Item?.envelope as { type: string; payload: Record<string, unknown> });
    const schedule = outbox.find((e) => e.type === 'scheduler.schedule');
    expect(schedule?.payload).toMatchObject({
      action: 'delete',
      pattern: 'retention',
      cancel_on: ['user.reactivated', 'policy_override'],
      entity: { type: 'user', id: view.id },
    });
    const runAt = Date.parse(String(schedule?.payload.run_at));
    expect(runAt - before).toBeGreaterThanOrEqual(90 * 86_400_000 - 60_000);
    expect(runAt - before).toBeLessThanOrEqual(90 * 86_400_000 + 60_000);

    const master = items.map((i) => i.Put).find((p) => p?.TableName === 'master')?.Item;
    // The caller's row governs access and exposure; the owner's row the retention.
    expect(master?.policy).toMatchObject({
      source: 'default',
      access: 'full',
      retention: 'P90D',
      retention_source: 'user/dev/user',
    });
  });

  it('a campaign an admin creates for itself keeps the admin row (forever on dev: nothing scheduled)', async () => {
    const ddb = new FakeDdb();
    const store = new EntityStore(
      getService('campaign'),
      { ...tables, entity: 'campaigns' },
      'dev',
      ddb.client,
      seeded,
    );
    await store.create({ name: 'Mine' }, { actor: admin, correlationId: 'c-2' });
    const types = (ddb.transactions[0] ?? [])
      .map((i) => i.Put?.Item?.envelope as { type?: string } | undefined)
      .map((e) => e?.type)
      .filter(Boolean);
    expect(types).toEqual(['campaign.created']);
  });
});
