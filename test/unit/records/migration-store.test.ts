/**
 * DynamoMigrationStore.create (lib/records/migration-store.ts): a migration id is used once, so
 * a failed `attribute_not_exists(id)` is a 409; any other cancellation (throttling) is a fault
 * the caller may retry, never a "already exists" verdict.
 */
import { describe, expect, it } from 'vitest';
import { TemporaError } from '../../../lib/errors.ts';
import { DynamoMigrationStore } from '../../../lib/records/migration-store.ts';
import { FakeDdb, transactionConditionFailure } from '../../kit/dynamodb.ts';
import { envelopeOf } from '../../kit/events.ts';
import { migrationRow } from '../../kit/migrations.ts';

const row = migrationRow();

const storeAnswering = (error?: Error) => {
  const ddb = new FakeDdb(() => {
    if (error) throw error;
    return {};
  });
  return { ddb, store: new DynamoMigrationStore(ddb.client, 'migrations', 'outbox') };
};

describe('DynamoMigrationStore.create', () => {
  it('writes the row and its started event in one transaction', async () => {
    const { ddb, store } = storeAnswering();
    await store.create(row, envelopeOf({ type: 'records.migration.started' }));
    expect(ddb.transactions).toHaveLength(1);
    expect(ddb.transactions[0]).toHaveLength(2);
  });

  it('answers 409 naming the id when the id is taken', async () => {
    const { store } = storeAnswering(transactionConditionFailure(['ConditionalCheckFailed', 'None']));
    const err = await store.create(row, envelopeOf()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporaError);
    expect((err as TemporaError).status).toBe(409);
    expect((err as TemporaError).message).toContain('mig-1');
  });

  it('lets a throttled transaction through as a fault, not a conflict', async () => {
    const throttled = transactionConditionFailure(['ThrottlingError', 'None']);
    const { store } = storeAnswering(throttled);
    await expect(store.create(row, envelopeOf())).rejects.toBe(throttled);
  });
});
