/**
 * SchedulerService (lib/scheduler/service.ts) over the kit's in-memory DynamoDB
 * (test/kit/dynamodb-model.ts) with DynamoDB's semantics: told exactly the condition and filter
 * expressions the service uses (any other fails the test, as does an unused or undefined
 * placeholder or a bare reserved word), transactions all-or-nothing.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isTemporaError, notFound, type TemporaError, validationError } from '../../lib/errors.ts';
import { buildEnvelope, type EventEnvelope, envelopeSchema } from '../../lib/events/envelope.ts';
import type { SchedulePayload } from '../../lib/events/schedule.ts';
import { intentId, scheduleName } from '../../lib/scheduler/names.ts';
import type { Schedules } from '../../lib/scheduler/schedules.ts';
import {
  type ActionRunner,
  type IntentRecord,
  MAX_ATTEMPTS,
  SCHEDULER_ACTOR,
  SchedulerService,
} from '../../lib/scheduler/service.ts';
import type { EntityStore, RequestContext } from '../../lib/store/entity-store.ts';
import { DynamoModel, type Item, type Predicate } from '../kit/dynamodb-model.ts';

const INTENTS = 'tempora-test-_scheduler_intents';
const OUTBOX = 'tempora-test-_nexus_outbox';
const ENV = 'test';
type Values = Record<string, unknown>;

// ---------------------------------------------------------------------------------------
// In-memory DynamoDB

/** The conditions the service writes with, evaluated on the current item (undefined = absent). */
const CONDITIONS: Record<string, (item: Item | undefined, v: Values) => boolean> = {
  // fire: take the intent while scheduled, or retake an expired lease of the same generation.
  'generation = :g AND (#status = :scheduled OR (#status = :executing AND lease_until < :nowMs))': (i, v) =>
    i !== undefined &&
    i.generation === v[':g'] &&
    (i.status === v[':scheduled'] ||
      (i.status === v[':executing'] && (i.lease_until as number) < (v[':nowMs'] as number))),
  // cancel
  '#status = :scheduled AND generation = :g': (i, v) =>
    i !== undefined && i.status === v[':scheduled'] && i.generation === v[':g'],
  // finish
  'generation = :g AND #status IN (:executing, :scheduled)': (i, v) =>
    i !== undefined &&
    i.generation === v[':g'] &&
    (i.status === v[':executing'] || i.status === v[':scheduled']),
  // release
  'generation = :g AND #status = :executing': (i, v) =>
    i !== undefined && i.generation === v[':g'] && i.status === v[':executing'],
  // outbox envelope, once per id
  'attribute_not_exists(id)': (i) => i === undefined,
};
const CANCEL_FILTER = '#status = :s AND contains(cancel_on, :t) AND entity_type = :et';
/** The cascade of a deletion: every scheduled intent of the entity (of that type). */
const DELETED_FILTER = '#status = :s AND entity_type = :et';

/** The intents table (its by_entity index) and the outbox, told the service's expressions. */
function newModel(): DynamoModel {
  const expressions: Record<string, Predicate> = {
    ...CONDITIONS,
    [CANCEL_FILTER]: (i, v) =>
      i !== undefined &&
      i.status === v[':s'] &&
      (i.cancel_on as string[]).includes(v[':t'] as string) &&
      i.entity_type === v[':et'],
    [DELETED_FILTER]: (i, v) => i !== undefined && i.status === v[':s'] && i.entity_type === v[':et'],
  };
  // `#status` is always the status attribute.
  const bound = Object.fromEntries(
    Object.entries(expressions).map(([expr, p]): [string, Predicate] => [
      expr,
      (i, v, n) => {
        if (expr.includes('#status')) expect(n['#status']).toBe('status');
        return p(i, v, n);
      },
    ]),
  );
  return new DynamoModel(
    {
      [INTENTS]: {
        partitionKey: 'id',
        indexes: { by_entity: { partitionKey: 'entity_id', sortKey: 'run_at' } },
      },
      [OUTBOX]: { partitionKey: 'id' },
    },
    bound,
  );
}

const intents = (): IntentRecord[] => ddb.items(INTENTS) as unknown as IntentRecord[];
const intentOf = (id: string): IntentRecord | undefined =>
  ddb.item(INTENTS, { id }) as unknown as IntentRecord | undefined;
/** Envelopes committed to the outbox, in commit order. */
const events = (): EventEnvelope[] => ddb.items(OUTBOX).map((row) => row.envelope as EventEnvelope);

// ---------------------------------------------------------------------------------------
// Fakes of the schedule API and of entity stores

class FakeSchedules implements Schedules {
  readonly calls: Array<
    | { op: 'upsert'; name: string; runAt: string; input: Record<string, unknown> }
    | { op: 'remove'; name: string }
  > = [];
  failUpsert: Error | undefined;

  async upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void> {
    if (this.failUpsert) throw this.failUpsert;
    this.calls.push({ op: 'upsert', name, runAt: runAt.toISOString(), input });
  }

  async remove(name: string): Promise<void> {
    this.calls.push({ op: 'remove', name });
  }
}

/** The three EntityStore methods the scheduler calls. */
class FakeStore {
  readonly entities = new Set<string>();
  readonly patches: Array<{ id: string; patch: Record<string, unknown>; ctx: RequestContext }> = [];
  readonly removed: Array<{ id: string; ctx: RequestContext }> = [];
  constructor(
    readonly type: string,
    ...ids: string[]
  ) {
    for (const id of ids) this.entities.add(id);
  }
  private need(id: string): void {
    if (!this.entities.has(id)) throw notFound(`${this.type} "${id}" not found`);
  }
  async get(id: string): Promise<unknown> {
    this.need(id);
    return { id };
  }
  async patch(id: string, patch: Record<string, unknown>, ctx: RequestContext): Promise<unknown> {
    this.need(id);
    this.patches.push({ id, patch, ctx });
    return { id };
  }
  async remove(id: string, ctx: RequestContext): Promise<void> {
    this.need(id);
    this.entities.delete(id);
    this.removed.push({ id, ctx });
  }
  /** The intents last written to the entity's metadata.scheduling.intents. */
  shownIntents(id: string): Array<Record<string, unknown>> | undefined {
    const last = this.patches.filter((p) => p.id === id).at(-1);
    return (last?.patch as { metadata?: { scheduling?: { intents?: Array<Record<string, unknown>> } } })
      ?.metadata?.scheduling?.intents;
  }
  get asStore(): EntityStore {
    return this as unknown as EntityStore;
  }
}

// ---------------------------------------------------------------------------------------

let ddb: DynamoModel;
let schedules: FakeSchedules;
let users: FakeStore;
let campaigns: FakeStore;
let now: Date;

beforeEach(() => {
  ddb = newModel();
  schedules = new FakeSchedules();
  users = new FakeStore('user', 'u1', 'u2');
  campaigns = new FakeStore('campaign', 'c1');
  now = new Date('2026-03-01T12:00:00.000Z');
});

const service = (runAction?: ActionRunner): SchedulerService =>
  new SchedulerService(
    {
      ddb: ddb.client,
      tables: { intents: INTENTS, outbox: OUTBOX },
      environment: ENV,
      schedules,
      storeFor: (type) =>
        type === 'user' ? users.asStore : type === 'campaign' ? campaigns.asStore : undefined,
      now: () => now,
    },
    runAction,
  );

const retention = (over: Partial<SchedulePayload> = {}): SchedulePayload => ({
  action: 'delete',
  run_at: '2026-05-30T12:00:00.000Z',
  pattern: 'retention',
  cancel_on: ['user.reactivated', 'policy_override'],
  entity: { type: 'user', id: 'u1' },
  ...over,
});

const event = (type: string, over: Partial<EventEnvelope> = {}): EventEnvelope => ({
  ...buildEnvelope({
    type,
    service: 'user',
    environment: ENV,
    correlationId: 'corr-event-0001',
    actor: { id: 'alice', role: 'admin' },
    entity: { type: 'user', id: 'u1', version: 2 },
  }),
  ...over,
});

const types = () => events().map((e) => e.type);
const runner = () => vi.fn<ActionRunner>(async () => undefined);
const nameOf = (id: string) => scheduleName(ENV, id);

async function rejection(p: Promise<unknown>): Promise<TemporaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isTemporaError(e), String(e)).toBe(true);
  return e as TemporaError;
}
const issues = (e: TemporaError) =>
  (e.details as { issues: Array<{ path: string; message: string }> }).issues;

describe('schedule', () => {
  it('keeps one intent per (entity, pattern): scheduling twice replaces it with generation 2', async () => {
    const svc = service();
    const first = await svc.schedule(retention(), 'corr-sched-0001');
    now = new Date('2026-03-01T12:05:00.000Z');
    const second = await svc.schedule(retention({ run_at: '2026-06-30T12:00:00Z' }), 'corr-sched-0002');

    const id = intentId('user', 'u1', 'retention');
    expect(first.id).toBe(id);
    expect(second.id).toBe(id);
    expect(intents()).toHaveLength(1);
    expect(intentOf(id)).toEqual({
      id,
      entity_type: 'user',
      entity_id: 'u1',
      action: 'delete',
      pattern: 'retention',
      run_at: '2026-06-30T12:00:00.000Z',
      cancel_on: ['user.reactivated', 'policy_override'],
      payload: {},
      status: 'scheduled',
      generation: 2,
      attempts: 0,
      lease_until: 0,
      schedule_name: nameOf(id),
      correlation_id: 'corr-sched-0002',
      created_at: '2026-03-01T12:00:00.000Z',
      updated_at: '2026-03-01T12:05:00.000Z',
    });
    expect(second).toEqual(intentOf(id));
    expect(schedules.calls).toEqual([
      {
        op: 'upsert',
        name: nameOf(id),
        runAt: '2026-05-30T12:00:00.000Z',
        input: { kind: 'scheduler.fire', intent_id: id, generation: 1 },
      },
      {
        op: 'upsert',
        name: nameOf(id),
        runAt: '2026-06-30T12:00:00.000Z',
        input: { kind: 'scheduler.fire', intent_id: id, generation: 2 },
      },
    ]);
  });

  it('shows the intent in the entity metadata.scheduling.intents[], as the scheduler', async () => {
    await service().schedule(retention(), 'corr-sched-0001');
    const id = intentId('user', 'u1', 'retention');
    expect(users.shownIntents('u1')).toEqual([
      {
        id,
        action: 'delete',
        pattern: 'retention',
        run_at: '2026-05-30T12:00:00.000Z',
        status: 'scheduled',
        cancel_on: ['user.reactivated', 'policy_override'],
        updated_at: '2026-03-01T12:00:00.000Z',
      },
    ]);
    expect(users.patches.at(-1)?.ctx).toEqual({
      actor: { ...SCHEDULER_ACTOR },
      correlationId: 'corr-sched-0001',
      system: true,
    });
  });

  it('keeps different patterns of one entity apart', async () => {
    const svc = service();
    await svc.schedule(retention(), 'corr-sched-0001');
    await svc.schedule(
      retention({
        pattern: 'reminder',
        action: 'run_pattern',
        cancel_on: [],
        run_at: '2026-04-01T00:00:00Z',
      }),
      'corr-sched-0002',
    );
    expect(
      intents()
        .map((i) => i.pattern)
        .sort(),
    ).toEqual(['reminder', 'retention']);
    // Soonest first (the by_entity index sorts on run_at).
    expect((await svc.list('u1')).map((i) => i.pattern)).toEqual(['reminder', 'retention']);
    expect(users.shownIntents('u1')?.map((i) => i.pattern)).toEqual(['reminder', 'retention']);
  });

  it('refuses bad payloads with 400 naming each field, scheduling nothing', async () => {
    const svc = service();
    const bad = await rejection(
      svc.schedule({ ...retention(), cancel_on: ['ok.type', 'Not A Type'] }, 'corr-0001'),
    );
    expect(bad.status).toBe(400);
    expect(issues(bad).map((i) => i.path)).toEqual(['cancel_on[1]']);
    const past = await rejection(svc.schedule(retention({ run_at: '2026-03-01T11:59:59Z' }), 'corr-0001'));
    expect(issues(past)).toEqual([{ path: 'run_at', message: 'must be in the future' }]);
    const type = await rejection(
      svc.schedule(retention({ entity: { type: 'planet', id: 'p1' } }), 'corr-0001'),
    );
    expect(issues(type).map((i) => i.path)).toEqual(['entity.type']);
    const missing = await rejection(
      svc.schedule(retention({ entity: { type: 'user', id: 'ghost' } }), 'corr-0001'),
    );
    expect(issues(missing).map((i) => i.path)).toEqual(['entity.id']);
    expect(intents()).toEqual([]);
    expect(schedules.calls).toEqual([]);
  });

  it('marks the intent failed (scheduler.failed) and rethrows when the schedule cannot be created', async () => {
    schedules.failUpsert = new Error('AccessDenied');
    await expect(service().schedule(retention(), 'corr-sched-0001')).rejects.toThrow('AccessDenied');
    const id = intentId('user', 'u1', 'retention');
    expect(intentOf(id)?.status).toBe('failed');
    expect(intentOf(id)?.reason).toMatch(/could not create the schedule: AccessDenied/);
    expect(types()).toEqual(['scheduler.failed']);
  });
});

describe('cancel and fire: exactly one outcome', () => {
  it('cancel then fire: the fire is skipped, the action never runs', async () => {
    const action = runner();
    const svc = service(action);
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    const cancelled = await svc.cancel(intent.id, 'not needed');
    expect(cancelled).toMatchObject({ id: intent.id, status: 'cancelled', reason: 'not needed' });
    expect(await svc.fire(intent.id, intent.generation)).toBe('skipped');
    expect(action).not.toHaveBeenCalled();
    expect(intentOf(intent.id)?.status).toBe('cancelled');
    expect(types()).toEqual(['scheduler.cancelled']);
    expect(schedules.calls.map((c) => [c.op, c.name])).toEqual([
      ['upsert', nameOf(intent.id)],
      ['remove', nameOf(intent.id)],
    ]);
    expect(users.shownIntents('u1')?.map((i) => i.status)).toEqual(['cancelled']);
  });

  it('fire then cancel: executed once, the cancel is a 409 naming the status', async () => {
    const action = runner();
    const svc = service(action);
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    expect(await svc.fire(intent.id, intent.generation)).toBe('executed');
    const refused = await rejection(svc.cancel(intent.id, 'too late'));
    expect(refused.status).toBe(409);
    expect(refused.details).toEqual({ status: 'executed' });
    expect(action).toHaveBeenCalledTimes(1);
    expect(intentOf(intent.id)).toMatchObject({ status: 'executed', attempts: 1 });
    expect(types()).toEqual(['scheduler.executed']);
    // A duplicate delivery of the schedule runs nothing.
    expect(await svc.fire(intent.id, intent.generation)).toBe('skipped');
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('a cancel while the action runs is a 409; the fire still ends executed', async () => {
    let duringRun: Promise<TemporaError> | undefined;
    const svc: SchedulerService = service(async (i) => {
      duringRun = rejection(svc.cancel(i.id, 'racing'));
      await duringRun;
    });
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect((await duringRun)?.status).toBe(409);
    expect((await duringRun)?.details).toEqual({ status: 'executing' });
    expect(types()).toEqual(['scheduler.executed']);
  });

  it('a second delivery while the first holds the lease is skipped', async () => {
    let second: string | undefined;
    const svc: SchedulerService = service(async (i) => {
      second = await svc.fire(i.id, i.generation);
    });
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect(second).toBe('skipped');
  });

  it('a fire of a replaced generation is skipped; the current one runs', async () => {
    const action = runner();
    const svc = service(action);
    await svc.schedule(retention(), 'corr-sched-0001');
    const replaced = await svc.schedule(retention({ run_at: '2026-07-01T00:00:00Z' }), 'corr-sched-0002');
    expect(await svc.fire(replaced.id, 1)).toBe('skipped');
    expect(action).not.toHaveBeenCalled();
    expect(await svc.fire(replaced.id, 2)).toBe('executed');
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('cancel of an unknown intent is a 404', async () => {
    expect((await rejection(service().cancel('int_nope', 'x'))).status).toBe(404);
  });
});

describe('retries', () => {
  it(`an action that throws ${MAX_ATTEMPTS} times ends failed, with scheduler.failed in the outbox`, async () => {
    const action = vi.fn<ActionRunner>(async () => {
      throw new Error('downstream unavailable');
    });
    const svc = service(action);
    const intent = await svc.schedule(retention(), 'corr-sched-0001');

    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      // Thrown so that the invocation is retried; the lease is given back.
      await expect(svc.fire(intent.id, 1)).rejects.toThrow('downstream unavailable');
      expect(intentOf(intent.id)).toMatchObject({ status: 'executing', attempts: attempt, lease_until: 0 });
      expect(types()).toEqual([]);
    }
    expect(await svc.fire(intent.id, 1)).toBe('failed');
    expect(action).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(intentOf(intent.id)).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      reason: 'downstream unavailable',
    });
    expect(types()).toEqual(['scheduler.failed']);
    const failed = events()[0];
    expect(envelopeSchema.safeParse(failed).success).toBe(true);
    expect(failed).toMatchObject({
      source: 'tempora.scheduler',
      actor: { id: SCHEDULER_ACTOR.sub, role: 'service' },
      entity: { type: 'user', id: 'u1', version: 1 },
      payload: {
        intent_id: intent.id,
        action: 'delete',
        pattern: 'retention',
        reason: 'downstream unavailable',
      },
    });
    expect(await svc.fire(intent.id, 1)).toBe('skipped');
    expect(action).toHaveBeenCalledTimes(MAX_ATTEMPTS);
  });

  it('a client error (4xx) of the action fails at once, without retries', async () => {
    const action = vi.fn<ActionRunner>(async () => {
      throw validationError([{ path: 'state', message: 'cannot archive' }]);
    });
    const svc = service(action);
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    expect(await svc.fire(intent.id, 1)).toBe('failed');
    expect(action).toHaveBeenCalledTimes(1);
    expect(types()).toEqual(['scheduler.failed']);
  });

  it('a lease held by a running attempt is retaken only after it expires', async () => {
    const svc = service(runner());
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    // Simulate an attempt that took the lease and died without giving it back.
    ddb.seed(INTENTS, {
      ...ddb.item(INTENTS, { id: intent.id }),
      status: 'executing',
      attempts: 1,
      lease_until: now.getTime() + 60_000,
    });
    expect(await svc.fire(intent.id, 1)).toBe('skipped');
    now = new Date(now.getTime() + 60_001);
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect(intentOf(intent.id)?.attempts).toBe(2);
  });
});

describe('default actions', () => {
  it('delete removes the entity as the scheduler; already gone still counts as executed', async () => {
    const svc = service();
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect(users.removed).toEqual([
      { id: 'u1', ctx: { actor: { ...SCHEDULER_ACTOR }, correlationId: 'corr-sched-0001', system: true } },
    ]);
    const other = await svc.schedule(retention({ entity: { type: 'user', id: 'u2' } }), 'corr-sched-0002');
    users.entities.delete('u2');
    expect(await svc.fire(other.id, 1)).toBe('executed');
  });

  it('archive patches the state to archived', async () => {
    const svc = service();
    const intent = await svc.schedule(
      retention({ action: 'archive', pattern: 'archive-after-end', entity: { type: 'campaign', id: 'c1' } }),
      'corr-sched-0001',
    );
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect(campaigns.patches.map((p) => p.patch)).toContainEqual({ state: 'archived' });
  });

  it('run_pattern emits pattern.run with the pattern and payload', async () => {
    const svc = service();
    const intent = await svc.schedule(
      retention({ action: 'run_pattern', pattern: 'waitlist', payload: { size: 3 } }),
      'corr-sched-0001',
    );
    expect(await svc.fire(intent.id, 1)).toBe('executed');
    expect(types()).toEqual(['pattern.run', 'scheduler.executed']);
    expect(events()[0]?.payload).toMatchObject({ pattern: 'waitlist', payload: { size: 3 } });
  });

  it('run_pattern on an entity deleted before its deletion event arrived is cancelled, not run', async () => {
    const svc = service();
    const intent = await svc.schedule(
      retention({ action: 'run_pattern', pattern: 'waitlist', payload: { size: 3 } }),
      'corr-sched-0001',
    );
    users.entities.delete('u1'); // deleted; its user.deleted event not delivered yet
    expect(await svc.fire(intent.id, 1)).toBe('cancelled');
    expect(intentOf(intent.id)).toMatchObject({ status: 'cancelled', reason: 'entity_deleted' });
    expect(types()).toEqual(['scheduler.cancelled']);
    expect(await svc.fire(intent.id, 1)).toBe('skipped'); // a retry of the schedule: nothing more
    expect(types()).toEqual(['scheduler.cancelled']);
  });
});

describe('onEvent', () => {
  it('cancels the scheduled intents of the event entity whose cancel_on lists the event type', async () => {
    const svc = service();
    const mine = await svc.schedule(retention(), 'corr-sched-0001');
    const other = await svc.schedule(retention({ entity: { type: 'user', id: 'u2' } }), 'corr-sched-0002');
    const unlisted = await svc.schedule(
      retention({ pattern: 'nudge', cancel_on: ['user.deleted'] }),
      'corr-0003',
    );
    await svc.onEvent(event('user.reactivated'));
    expect(intentOf(mine.id)?.status).toBe('cancelled');
    expect(intentOf(mine.id)?.reason).toMatch(/^cancelled by user\.reactivated \(/);
    expect(intentOf(other.id)?.status).toBe('scheduled');
    expect(intentOf(unlisted.id)?.status).toBe('scheduled');
    expect(types()).toEqual(['scheduler.cancelled']);
  });

  it('a deletion cancels every scheduled intent of the entity (reason entity_deleted, its correlation id), even one by the scheduler', async () => {
    const svc = service();
    const a = await svc.schedule(retention(), 'corr-sched-0001');
    const b = await svc.schedule(retention({ pattern: 'nudge', cancel_on: [] }), 'corr-sched-0002');
    const other = await svc.schedule(retention({ entity: { type: 'user', id: 'u2' } }), 'corr-sched-0003');
    await svc.onEvent(
      event('user.deleted', {
        actor: { id: SCHEDULER_ACTOR.sub, role: 'service' },
        correlation_id: 'corr-delete-01',
      }),
    );
    for (const i of [a, b])
      expect(intentOf(i.id)).toMatchObject({ status: 'cancelled', reason: 'entity_deleted' });
    expect(intentOf(other.id)?.status).toBe('scheduled');
    expect(types()).toEqual(['scheduler.cancelled', 'scheduler.cancelled']);
    for (const e of events()) {
      expect(e.payload).toMatchObject({ reason: 'entity_deleted' });
      expect(e.correlation_id).toBe('corr-delete-01');
    }
  });

  it('matches the entity type too: the same id under another type is not cancelled', async () => {
    const svc = service();
    campaigns.entities.add('u1');
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    await svc.onEvent(event('user.reactivated', { entity: { type: 'campaign', id: 'u1', version: 1 } }));
    expect(intentOf(intent.id)?.status).toBe('scheduled');
  });

  it('ignores events the scheduler caused (its own source, or its actor)', async () => {
    const svc = service();
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    await svc.onEvent(event('user.reactivated', { source: 'tempora.scheduler' }));
    await svc.onEvent(event('user.reactivated', { actor: { id: SCHEDULER_ACTOR.sub, role: 'service' } }));
    await svc.onEvent(
      event('user.reactivated', {
        actor: { id: SCHEDULER_ACTOR.sub, role: 'service' },
        payload: { reschedule: [retention({ run_at: '2026-08-01T00:00:00Z' })] },
      }),
    );
    expect(intentOf(intent.id)).toMatchObject({ status: 'scheduled', generation: 1 });
    expect(types()).toEqual([]);
    expect(schedules.calls.map((c) => c.op)).toEqual(['upsert']);
  });

  it('schedules payload.reschedule after the cancellation (the fresh intent survives)', async () => {
    const svc = service(runner());
    const old = await svc.schedule(retention(), 'corr-sched-0001');
    await svc.onEvent(
      event('user.reactivated', { payload: { reschedule: [retention({ run_at: '2026-08-01T00:00:00Z' })] } }),
    );
    expect(intents()).toHaveLength(1);
    expect(intentOf(old.id)).toMatchObject({
      status: 'scheduled',
      generation: 2,
      run_at: '2026-08-01T00:00:00.000Z',
      correlation_id: 'corr-event-0001',
    });
    expect(intentOf(old.id)?.reason).toBeUndefined();
    expect(types()).toEqual(['scheduler.cancelled']);
    expect(
      schedules.calls.map((c) => (c.op === 'upsert' ? [c.op, c.name, c.input.generation] : [c.op, c.name])),
    ).toEqual([
      ['upsert', nameOf(old.id), 1],
      ['remove', nameOf(old.id)],
      ['upsert', nameOf(old.id), 2],
    ]);
    expect(await svc.fire(old.id, 1)).toBe('skipped');
    expect(await svc.fire(old.id, 2)).toBe('executed');
  });

  it('scheduler.schedule events: a valid one is scheduled, a bad one becomes scheduler.failed', async () => {
    const svc = service();
    await svc.onEvent(
      event('scheduler.schedule', { payload: retention() as unknown as Record<string, unknown> }),
    );
    expect(intentOf(intentId('user', 'u1', 'retention'))?.status).toBe('scheduled');

    const bad = event('scheduler.schedule', { payload: { ...retention(), action: 'explode' } });
    await svc.onEvent(bad);
    expect(intents()).toHaveLength(1);
    expect(types()).toEqual(['scheduler.failed']);
    expect(events()[0]).toMatchObject({
      entity: { type: 'user', id: 'u1', version: 0 },
      payload: { request_id: bad.id, reason: expect.stringMatching(/action/) },
    });
  });
});
