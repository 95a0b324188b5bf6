/**
 * Issue 4: intents created and cancelled per second on the emulator (batches of 200, the
 * real SchedulerService against DynamoDB and EventBridge Scheduler), and the scheduler's own
 * time per event with every AWS call replaced by an instant fake (the handler's CPU cost).
 *
 * Issue 23: the scheduling horizon at internet scale, simulated (bench/scheduler-scale.ts), ends
 * the bench with its `intents-scale-summary` line.
 */
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildEnvelope } from '../lib/events/envelope.ts';
import { getService } from '../lib/registry/index.ts';
import { EventBridgeSchedules } from '../lib/scheduler/schedules.ts';
import { type IntentRecord, SchedulerService } from '../lib/scheduler/service.ts';
import { EntityStore, staticPolicies } from '../lib/store/entity-store.ts';
import { emulator, tempTable } from './emulator.ts';
import { measure, printTable } from './lib.ts';
import { runScaleSimulation } from './scheduler-scale.ts';

const BATCH = Number(process.env.BENCH_INTENTS ?? 200);
const CONCURRENCY = 8;

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

/** A DocumentClient stand-in that answers instantly (for the CPU-only measurement). */
function instantClient(): DynamoDBDocumentClient {
  const send = async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
    if (cmd.constructor.name === 'UpdateCommand') {
      const v = (cmd.input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
      return {
        Attributes: {
          id: (cmd.input.Key as { id: string }).id,
          entity_type: v[':et'],
          entity_id: v[':eid'],
          action: v[':action'],
          pattern: v[':pattern'],
          run_at: v[':run_at'],
          cancel_on: v[':cancel_on'],
          status: 'scheduled',
          generation: 1,
          attempts: 0,
          lease_until: 0,
          schedule_name: v[':name'],
          correlation_id: v[':cid'],
          created_at: v[':now'],
          updated_at: v[':now'],
        },
      };
    }
    if (cmd.constructor.name === 'QueryCommand') return { Items: [] };
    return {};
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

export async function runSchedulerBench(): Promise<string> {
  await runEmulatorBench();
  return runScaleSimulation();
}

async function runEmulatorBench(): Promise<void> {
  // 1) CPU per event, no AWS.
  const cpu = new SchedulerService({
    ddb: instantClient(),
    tables: { intents: 'i', outbox: 'o' },
    environment: 'bench',
    schedules: { upsert: async () => {}, remove: async () => {} },
    storeFor: () => ({ get: async () => ({}), patch: async () => ({}) }) as unknown as EntityStore,
  });
  const runAt = new Date(Date.now() + 86_400_000).toISOString();
  const event = buildEnvelope({
    type: 'scheduler.schedule',
    service: 'campaign',
    environment: 'bench',
    correlationId: 'bench-correlation',
    actor: { id: 'bench', role: 'service' },
    entity: { type: 'campaign', id: 'c1', version: 1 },
    payload: {
      action: 'archive',
      run_at: runAt,
      pattern: 'bench',
      cancel_on: ['policy_override'],
      entity: { type: 'campaign', id: 'c1' },
    },
  });
  const cancelEvent = { ...event, type: 'policy_override', payload: {} };
  const ops: Array<Record<string, string | number>> = [];
  let pending = 0;
  const m1 = await measure('onEvent(scheduler.schedule)', () => {
    pending++;
    void cpu.onEvent(event).finally(() => pending--);
  });
  const m2 = await measure('onEvent(policy_override)', () => {
    pending++;
    void cpu.onEvent(cancelEvent).finally(() => pending--);
  });
  while (pending > 0) await new Promise((r) => setTimeout(r, 10));
  ops.push({
    measure: m1.name,
    'ops/s': m1.opsPerSec.toFixed(0),
    'µs/event': (1e6 / m1.opsPerSec).toFixed(1),
  });
  ops.push({
    measure: m2.name,
    'ops/s': m2.opsPerSec.toFixed(0),
    'µs/event': (1e6 / m2.opsPerSec).toFixed(1),
  });
  console.log('  scheduler handler, own time per event (AWS calls are instant fakes):');
  printTable(ops);

  // 2) On the emulator: create then cancel a batch of intents, for real.
  const em = await emulator();
  if (!em) return;
  const entity = await tempTable(em, 'sentity', {
    pk: 'id',
    indexes: [{ name: 'by_state', pk: 'state', sk: 'list_sk' }],
  });
  const master = await tempTable(em, 'smaster', { pk: 'pk' });
  const index = await tempTable(em, 'sindex', { pk: 'ix', sk: 'sk' });
  const outbox = await tempTable(em, 'soutbox', { pk: 'id' });
  const intents = await tempTable(em, 'sintents', {
    pk: 'id',
    indexes: [{ name: 'by_entity', pk: 'entity_id', sk: 'run_at' }],
  });
  const group = `bench-${Date.now().toString(36)}`;
  const schedulerClient = new SchedulerClient({
    endpoint: em.endpoint,
    region: em.region,
    credentials: em.credentials,
  });
  await schedulerClient.send(new CreateScheduleGroupCommand({ Name: group }));
  try {
    const ids = Array.from({ length: BATCH }, (_, i) => `01SCHED${String(i).padStart(19, '0')}`);
    const now = new Date().toISOString();
    for (let i = 0; i < ids.length; i += 25) {
      await em.ddb.send(
        new BatchWriteCommand({
          RequestItems: {
            [entity.name]: ids.slice(i, i + 25).map((id) => ({
              PutRequest: {
                Item: {
                  id,
                  name: 'bench',
                  state: 'active',
                  owner_id: 'bench',
                  metadata: {},
                  version: 1,
                  created_at: now,
                  updated_at: now,
                  entity_type: 'campaign',
                  category: 'campaign',
                  master_key: `campaign#${id}`,
                  list_sk: `${now}#${id}`,
                },
              },
            })),
          },
        }),
      );
    }
    const store = new EntityStore(
      getService('campaign'),
      { entity: entity.name, master: master.name, outbox: outbox.name, index: index.name },
      'bench',
      em.ddb,
      staticPolicies,
    );
    const service = new SchedulerService({
      ddb: em.ddb,
      tables: { intents: intents.name, outbox: outbox.name },
      environment: 'bench',
      schedules: new EventBridgeSchedules(
        {
          group,
          targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:none',
          roleArn: 'arn:aws:iam::000000000000:role/none',
          dlqArn: 'arn:aws:sqs:us-east-1:000000000000:none',
        },
        { endpoint: em.endpoint, region: em.region, credentials: em.credentials },
      ),
      storeFor: (t) => (t === 'campaign' ? store : undefined),
    });
    const made: IntentRecord[] = [];
    let t = performance.now();
    await pool(ids, CONCURRENCY, async (id) => {
      made.push(
        await service.schedule(
          {
            action: 'archive',
            run_at: runAt,
            pattern: 'bench',
            cancel_on: ['policy_override'],
            entity: { type: 'campaign', id },
          },
          'bench-correlation',
        ),
      );
    });
    const createMs = performance.now() - t;
    t = performance.now();
    await pool(made, CONCURRENCY, (i) => service.cancel(i.id, 'bench'));
    const cancelMs = performance.now() - t;
    console.log(
      `  on the emulator (${BATCH} intents, ${CONCURRENCY} in flight; each = intent write + schedule call + entity metadata sync):`,
    );
    printTable([
      {
        operation: 'schedule',
        'intents/s': (BATCH / (createMs / 1000)).toFixed(1),
        'ms each (avg)': ((createMs / BATCH) * CONCURRENCY).toFixed(1),
      },
      {
        operation: 'cancel',
        'intents/s': (BATCH / (cancelMs / 1000)).toFixed(1),
        'ms each (avg)': ((cancelMs / BATCH) * CONCURRENCY).toFixed(1),
      },
    ]);
  } finally {
    await schedulerClient.send(new DeleteScheduleGroupCommand({ Name: group })).catch(() => {});
    await Promise.all([entity, master, index, outbox, intents].map((x) => x.drop()));
  }
}
