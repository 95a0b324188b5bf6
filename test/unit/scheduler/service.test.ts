/**
 * SchedulerService (lib/scheduler/service.ts) over the kit's in-memory DynamoDB, told exactly the
 * expressions the service uses (test/unit/support/scheduler-world.ts): schedule, cancel and fire,
 * retries, default actions, events. The horizon, reschedule and the races between materialize,
 * cancel, reschedule and fire are in scheduler.horizon.test.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type TemporaError, validationError } from '../../../lib/errors.ts';
import { envelopeSchema } from '../../../lib/events/envelope.ts';
import { intentId } from '../../../lib/scheduler/names.ts';
import {
  type ActionRunner,
  MAX_ATTEMPTS,
  SCHEDULER_ACTOR,
  type SchedulerService,
} from '../../../lib/scheduler/service.ts';
import {
  event,
  type FakeSchedules,
  type FakeStore,
  INTENTS,
  issues,
  nameOf,
  rejection,
  retention,
  runner,
  World,
} from '../support/scheduler-world.ts';

let w: World;
let ddb: World['ddb'];
let schedules: FakeSchedules;
let users: FakeStore;
let campaigns: FakeStore;

beforeEach(() => {
  w = new World();
  ({ ddb, schedules, users, campaigns } = w);
});

/** The service over the world; no horizon unless given (every schedule made at once). */
const service = (runAction?: ActionRunner, horizonMs?: number): SchedulerService =>
  w.service(runAction, horizonMs);
const intents = () => w.intents();
const intentOf = (id: string) => w.intentOf(id);
const events = () => w.events();
const types = () => w.types();
/** The events after intents were made (each intent made emits scheduler.scheduled: see 'schedule'). */
const outcomes = () => types().filter((t) => t !== 'scheduler.scheduled');
const outcomeEvents = () => events().filter((e) => e.type !== 'scheduler.scheduled');

describe('schedule', () => {
  it('keeps one intent per (entity, pattern): scheduling twice replaces it with generation 2', async () => {
    const svc = service();
    const first = await svc.schedule(retention(), 'corr-sched-0001');
    w.now = new Date('2026-03-01T12:05:00.000Z');
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
      schedule_name: nameOf(id, 2),
      schedule: 'created',
      correlation_id: 'corr-sched-0002',
      created_at: '2026-03-01T12:00:00.000Z',
      updated_at: '2026-03-01T12:05:00.000Z',
    });
    expect(second).toEqual(intentOf(id));
    // One schedule per generation: the replaced one's is deleted.
    expect(schedules.calls).toEqual([
      {
        op: 'upsert',
        name: nameOf(id),
        runAt: '2026-05-30T12:00:00.000Z',
        input: { kind: 'scheduler.fire', intent_id: id, generation: 1 },
      },
      { op: 'remove', name: nameOf(id) },
      {
        op: 'upsert',
        name: nameOf(id, 2),
        runAt: '2026-06-30T12:00:00.000Z',
        input: { kind: 'scheduler.fire', intent_id: id, generation: 2 },
      },
    ]);
    expect(types()).toEqual(['scheduler.scheduled', 'scheduler.scheduled']);
    expect(events().map((e) => [e.correlation_id, e.entity.version])).toEqual([
      ['corr-sched-0001', 1],
      ['corr-sched-0002', 2],
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

  it('keeps the intent deferred (scheduler.deferred, the reason) when its schedule cannot be made; the materializer makes it', async () => {
    schedules.failUpsert = new Error('ThrottlingException: rate exceeded');
    const svc = service();
    const made = await svc.schedule(retention(), 'corr-sched-0001');
    const id = intentId('user', 'u1', 'retention');
    expect(made).toMatchObject({ status: 'scheduled', schedule: 'deferred', generation: 1 });
    expect(intentOf(id)).toMatchObject({
      status: 'scheduled',
      schedule: 'deferred',
      deferred_key: 'deferred',
    });
    expect(types()).toEqual(['scheduler.deferred']);
    expect(String(events()[0]?.payload?.reason)).toMatch(
      /could not be created \(ThrottlingException: rate exceeded\); the materializer retries/,
    );
    schedules.failUpsert = undefined;
    expect(await svc.materialize()).toEqual({ created: 1, failed: 0, lost: 0 });
    expect(intentOf(id)).toMatchObject({ status: 'scheduled', schedule: 'created' });
    expect(intentOf(id)?.deferred_key).toBeUndefined();
    expect(types()).toEqual(['scheduler.deferred', 'scheduler.materialized']);
    expect(schedules.calls.map((c) => [c.op, c.name])).toEqual([['upsert', nameOf(id)]]);
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
    expect(outcomes()).toEqual(['scheduler.cancelled']);
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
    expect(outcomes()).toEqual(['scheduler.executed']);
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
    expect(outcomes()).toEqual(['scheduler.executed']);
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
      expect(outcomes()).toEqual([]);
    }
    expect(await svc.fire(intent.id, 1)).toBe('failed');
    expect(action).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(intentOf(intent.id)).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      reason: 'downstream unavailable',
    });
    expect(outcomes()).toEqual(['scheduler.failed']);
    const failed = outcomeEvents()[0];
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
    expect(outcomes()).toEqual(['scheduler.failed']);
  });

  it('a lease held by a running attempt is retaken only after it expires', async () => {
    const svc = service(runner());
    const intent = await svc.schedule(retention(), 'corr-sched-0001');
    // Simulate an attempt that took the lease and died without giving it back.
    ddb.seed(INTENTS, {
      ...ddb.item(INTENTS, { id: intent.id }),
      status: 'executing',
      attempts: 1,
      lease_until: w.now.getTime() + 60_000,
    });
    expect(await svc.fire(intent.id, 1)).toBe('skipped');
    w.now = new Date(w.now.getTime() + 60_001);
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
    expect(outcomes()).toEqual(['pattern.run', 'scheduler.executed']);
    expect(outcomeEvents()[0]?.payload).toMatchObject({ pattern: 'waitlist', payload: { size: 3 } });
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
    expect(outcomes()).toEqual(['scheduler.cancelled']);
    expect(await svc.fire(intent.id, 1)).toBe('skipped'); // a retry of the schedule: nothing more
    expect(outcomes()).toEqual(['scheduler.cancelled']);
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
    expect(outcomes()).toEqual(['scheduler.cancelled']);
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
    expect(outcomes()).toEqual(['scheduler.cancelled', 'scheduler.cancelled']);
    for (const e of outcomeEvents()) {
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
    expect(outcomes()).toEqual([]);
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
    expect(outcomes()).toEqual(['scheduler.cancelled']);
    expect(
      schedules.calls.map((c) => (c.op === 'upsert' ? [c.op, c.name, c.input.generation] : [c.op, c.name])),
    ).toEqual([
      ['upsert', nameOf(old.id), 1],
      ['remove', nameOf(old.id)],
      ['upsert', nameOf(old.id, 2), 2],
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
    expect(outcomes()).toEqual(['scheduler.failed']);
    expect(outcomeEvents()[0]).toMatchObject({
      entity: { type: 'user', id: 'u1', version: 0 },
      payload: { request_id: bad.id, reason: expect.stringMatching(/action/) },
    });
  });
});
