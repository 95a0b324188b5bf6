/**
 * The scheduling horizon, the materializer and reschedule (lib/scheduler/service.ts), and
 * exactly-once across materialize, cancel, reschedule and fire: forced interleavings (another
 * operation run at a chosen point of one), then every interleaving fast-check finds of a few
 * operations racing on one intent, each step of each operation (a DynamoDB call, a schedule
 * call) being a point where the others may run.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActionRunner, IntentRecord, SchedulerService } from '../../../lib/scheduler/service.ts';
import {
  event,
  issues,
  nameOf,
  rejection,
  retention,
  retentionId,
  World,
} from '../support/scheduler-world.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

let w: World;
beforeEach(() => {
  w = new World();
  w.now = T0;
});

/** A service with a one-hour horizon. */
const withHorizon = (runAction?: ActionRunner) => w.service(runAction, HOUR);

describe('the horizon', () => {
  it('an intent due beyond it is deferred: only the table holds it, no Scheduler call, scheduler.deferred', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    expect(i).toMatchObject({ status: 'scheduled', schedule: 'deferred', generation: 1 });
    expect(w.intentOf(i.id)?.deferred_key).toBe('deferred');
    expect(w.schedules.calls).toEqual([]);
    expect(w.types()).toEqual(['scheduler.deferred']);
  });

  it('an intent due within it gets its schedule at once (scheduler.scheduled)', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(30 * 60_000) }), 'corr-sched-0001');
    expect(i).toMatchObject({ schedule: 'created' });
    expect(w.intentOf(i.id)?.deferred_key).toBeUndefined();
    expect(w.schedules.calls.map((c) => [c.op, c.name])).toEqual([['upsert', nameOf(i.id)]]);
    expect(w.types()).toEqual(['scheduler.scheduled']);
  });

  it('the materializer makes the schedule once the intent enters the horizon, once (idempotent runs)', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 0 });
    w.later(HOUR + 60_000);
    expect(await svc.materialize()).toEqual({ created: 1, failed: 0, lost: 0 });
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 0 });
    expect(w.intentOf(i.id)).toMatchObject({ status: 'scheduled', schedule: 'created', generation: 1 });
    expect(w.schedules.calls).toEqual([
      {
        op: 'upsert',
        name: nameOf(i.id),
        runAt: at(2 * HOUR),
        input: { kind: 'scheduler.fire', intent_id: i.id, generation: 1 },
      },
    ]);
    expect(w.types()).toEqual(['scheduler.deferred', 'scheduler.materialized']);
    w.later(HOUR);
    const fired = w.schedules.take(nameOf(i.id));
    expect(await svc.fire(i.id, fired?.generation ?? 0)).toBe('executed');
  });

  it('each run takes at most its limit, soonest first; the next run takes the rest', async () => {
    const svc = withHorizon();
    w.ddb.pageSize = 2;
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      w.users.entities.add(`u${n + 10}`);
      const i = await svc.schedule(
        retention({ entity: { type: 'user', id: `u${n + 10}` }, run_at: at(2 * HOUR + (5 - n) * 1000) }),
        'corr-sched-0001',
      );
      ids.push(i.id);
    }
    w.later(2 * HOUR - 60_000);
    expect(await svc.materialize(3)).toEqual({ created: 3, failed: 0, lost: 0 });
    // Soonest first: the last three scheduled are due first.
    expect(ids.map((id) => w.intentOf(id)?.schedule)).toEqual([
      'deferred',
      'deferred',
      'created',
      'created',
      'created',
    ]);
    expect(await svc.materialize(3)).toEqual({ created: 2, failed: 0, lost: 0 });
  });

  it('an intent overdue when materialized is scheduled a few seconds ahead (never in the past)', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    w.later(3 * HOUR);
    await svc.materialize();
    expect(w.schedules.live.get(nameOf(i.id))?.runAt).toBe(new Date(w.now.getTime() + 5_000).toISOString());
  });

  it('cancelling a deferred intent touches no Scheduler API, and it is never materialized', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    expect((await svc.cancel(i.id, 'not needed')).status).toBe('cancelled');
    expect(w.intentOf(i.id)?.deferred_key).toBeUndefined();
    w.later(2 * HOUR);
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 0 });
    expect(w.schedules.calls).toEqual([]);
    expect(w.types()).toEqual(['scheduler.deferred', 'scheduler.cancelled']);
  });

  it('reactivation cancels a deferred retention intent and defers the fresh one: no Scheduler call', async () => {
    const svc = withHorizon();
    await svc.schedule(retention(), 'corr-sched-0001');
    await svc.onEvent(
      event('user.reactivated', { payload: { reschedule: [retention({ run_at: '2026-06-30T12:00:00Z' })] } }),
    );
    expect(w.intentOf(retentionId())).toMatchObject({
      generation: 2,
      status: 'scheduled',
      schedule: 'deferred',
    });
    expect(w.schedules.calls).toEqual([]);
    expect(w.types()).toEqual(['scheduler.deferred', 'scheduler.cancelled', 'scheduler.deferred']);
  });
});

describe('reschedule', () => {
  it('moves run_at as a new generation: scheduler.rescheduled, the old schedule deleted, the new one made', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(10 * 60_000) }), 'corr-sched-0001');
    const r = await svc.reschedule(i.id, { run_at: at(20 * 60_000) }, 'corr-resched-01');
    expect(r).toMatchObject({
      generation: 2,
      run_at: at(20 * 60_000),
      schedule: 'created',
      schedule_name: nameOf(i.id, 2),
    });
    expect(w.schedules.calls.map((c) => [c.op, c.name])).toEqual([
      ['upsert', nameOf(i.id)],
      ['remove', nameOf(i.id)],
      ['upsert', nameOf(i.id, 2)],
    ]);
    expect([...w.schedules.live.keys()]).toEqual([nameOf(i.id, 2)]);
    const resched = w.events().find((e) => e.type === 'scheduler.rescheduled');
    expect(resched).toMatchObject({
      correlation_id: 'corr-resched-01',
      entity: { type: 'user', id: 'u1', version: 2 },
      payload: {
        intent_id: i.id,
        run_at: at(20 * 60_000),
        from_run_at: at(10 * 60_000),
        schedule: 'created',
      },
    });
    // The old generation can no longer fire; the new one fires once, at its time.
    expect(await svc.fire(i.id, 1)).toBe('skipped');
    expect(await svc.fire(i.id, 2)).toBe('executed');
    expect(await svc.fire(i.id, 2)).toBe('skipped');
  });

  it('only cancel_on: the same run_at, new cancel_on, a new generation', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    const r = await svc.reschedule(i.id, { cancel_on: ['user.reactivated'] }, 'corr-resched-01');
    expect(r).toMatchObject({
      generation: 2,
      run_at: at(2 * HOUR),
      cancel_on: ['user.reactivated'],
      schedule: 'deferred',
    });
    expect(w.schedules.calls).toEqual([]);
  });

  it('beyond the horizon it is deferred (the created schedule deleted); a deferred one rescheduled touches no Scheduler API', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(10 * 60_000) }), 'corr-sched-0001');
    await svc.reschedule(i.id, { run_at: at(3 * HOUR) }, 'corr-resched-01');
    expect(w.intentOf(i.id)).toMatchObject({ schedule: 'deferred', deferred_key: 'deferred', generation: 2 });
    expect(w.schedules.live.size).toBe(0);
    const calls = w.schedules.calls.length;
    await svc.reschedule(i.id, { run_at: at(4 * HOUR) }, 'corr-resched-02');
    expect(w.schedules.calls).toHaveLength(calls);
    expect(w.intentOf(i.id)).toMatchObject({ schedule: 'deferred', generation: 3 });
  });

  it('refuses a past run_at (400), an unknown intent (404), a terminal or executing one (409 naming the status)', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(10 * 60_000) }), 'corr-sched-0001');
    const past = await rejection(svc.reschedule(i.id, { run_at: at(-1000) }, 'c-000001'));
    expect(past.status).toBe(400);
    expect(issues(past)).toEqual([{ path: 'run_at', message: 'must be in the future' }]);
    expect((await rejection(svc.reschedule('int_nope', { run_at: at(HOUR) }, 'c-000001'))).status).toBe(404);
    await svc.cancel(i.id, 'x');
    const terminal = await rejection(svc.reschedule(i.id, { run_at: at(HOUR) }, 'c-000001'));
    expect([terminal.status, terminal.details]).toEqual([409, { status: 'cancelled' }]);
    let during: Promise<unknown> | undefined;
    const racing: SchedulerService = withHorizon(async (x) => {
      during = rejection(racing.reschedule(x.id, { run_at: at(2 * HOUR) }, 'c-000002'));
      await during;
    });
    const j = await racing.schedule(retention({ pattern: 'other', run_at: at(60_000) }), 'c-000003');
    expect(await racing.fire(j.id, 1)).toBe('executed');
    expect(await during).toMatchObject({ status: 409, details: { status: 'executing' } });
  });
});

/** A deferred intent due in two hours, the clock where the materializer takes it. */
async function deferredInReach(svc: SchedulerService): Promise<IntentRecord> {
  const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
  w.later(HOUR + 60_000);
  return i;
}

/** Run `fn` once, at the first schedule call `op` (of `name`, if given); calls go through after. */
function onceAt(op: 'upsert' | 'remove', fn: () => Promise<unknown>, name?: string): void {
  w.schedules.before = async (o, n) => {
    if (o !== op || (name !== undefined && n !== name)) return;
    w.schedules.before = async () => {};
    await fn();
  };
}

describe('forced interleavings: one outcome, no schedule left behind', () => {
  it('a cancel landing between the materializer making a schedule and recording it: the schedule is deleted again', async () => {
    const svc = withHorizon();
    const i = await deferredInReach(svc);
    onceAt('upsert', () => svc.cancel(i.id, 'racing the materializer'));
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 1 });
    expect(w.intentOf(i.id)?.status).toBe('cancelled');
    expect(w.schedules.live.size).toBe(0);
    expect(w.schedules.calls.map((c) => c.op)).toEqual(['upsert', 'remove']);
    expect(await svc.fire(i.id, 1)).toBe('skipped');
    expect(w.types()).toEqual(['scheduler.deferred', 'scheduler.cancelled']);
  });

  it('a cancel that read "deferred" while the materializer records "created": it reads again and deletes that schedule', async () => {
    const svc = withHorizon();
    const i = await svc.schedule(retention({ run_at: at(2 * HOUR) }), 'corr-sched-0001');
    w.later(HOUR + 60_000);
    const read = w.intentOf(i.id) as IntentRecord;
    await svc.materialize(); // recorded after the cancel read
    expect(await svc.tryCancel(read, 'late reader')).toMatchObject({ status: 'cancelled' });
    expect(w.schedules.live.size).toBe(0);
    expect(await svc.fire(i.id, 1)).toBe('skipped');
  });

  it('a reschedule landing inside a materialization: the old generation’s schedule is deleted, the new one fires once', async () => {
    const svc = withHorizon();
    const i = await deferredInReach(svc);
    onceAt(
      'upsert',
      () => svc.reschedule(i.id, { run_at: at(HOUR + 30 * 60_000) }, 'corr-resched-01'),
      nameOf(i.id),
    );
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 1 });
    expect([...w.schedules.live.keys()]).toEqual([nameOf(i.id, 2)]);
    expect(await svc.fire(i.id, 1)).toBe('skipped');
    expect(await svc.fire(i.id, 2)).toBe('executed');
  });

  it('a fire landing inside a materialization (due now): executed once, and the schedule made after the fire is deleted again', async () => {
    const action = vi.fn<ActionRunner>(async () => undefined);
    const svc = withHorizon(action);
    const i = await deferredInReach(svc);
    w.later(HOUR);
    onceAt('upsert', () => svc.fire(i.id, 1));
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 1 });
    expect(action).toHaveBeenCalledTimes(1);
    expect(w.schedules.calls.map((c) => c.op)).toEqual(['upsert', 'remove']);
    expect(w.schedules.live.size).toBe(0);
  });

  it('two materializer runs racing: one records the schedule, the other leaves it alone', async () => {
    const svc = withHorizon();
    const i = await deferredInReach(svc);
    onceAt('upsert', () => svc.materialize());
    expect(await svc.materialize()).toEqual({ created: 0, failed: 0, lost: 1 });
    expect(w.intentOf(i.id)?.schedule).toBe('created');
    expect([...w.schedules.live.keys()]).toEqual([nameOf(i.id)]);
    expect(w.types().filter((t) => t === 'scheduler.materialized')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------
// Every interleaving of a few racing operations

/**
 * Runs tasks concurrently, one step at a time: before each DynamoDB call and each schedule call
 * a task waits at a gate; when every unfinished task waits, `pick` chooses which one goes on.
 */
class Interleaver {
  private gates: Array<() => void> = [];
  constructor(private readonly pick: () => number) {}

  gate = (): Promise<void> => new Promise<void>((r) => this.gates.push(r));

  async run(tasks: Array<() => Promise<unknown>>): Promise<void> {
    let pending = tasks.length;
    const all = tasks.map((t) =>
      t()
        .catch((e: unknown) => {
          // A refused operation (409: it lost) is an outcome, not a failure of the test.
          if ((e as { status?: number }).status !== 409) throw e;
        })
        .finally(() => pending--),
    );
    while (pending > 0) {
      await new Promise((r) => setImmediate(r));
      if (this.gates.length === 0) continue;
      const [go] = this.gates.splice(this.pick() % this.gates.length, 1);
      go?.();
    }
    await Promise.all(all);
  }
}

type Op = 'cancel' | 'rescheduleNear' | 'rescheduleFar' | 'materialize' | 'fire' | 'reactivate';

describe('exactly once, whatever the interleaving (fast-check)', () => {
  it('materialize, cancel, reschedule, reactivation and fire racing on one intent: the action runs at most once, never after a cancel, and no schedule outlives its intent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(
          fc.constantFrom<Op>(
            'cancel',
            'rescheduleNear',
            'rescheduleFar',
            'materialize',
            'fire',
            'reactivate',
          ),
          { minLength: 2, maxLength: 4 },
        ),
        fc.infiniteStream(fc.nat()),
        async (near, ops, choices) => {
          w = new World();
          w.now = T0;
          let runs = 0;
          const svc = withHorizon(async () => {
            runs++;
          });
          const i = await svc.schedule(
            retention({ run_at: at(near ? 30 * 60_000 : 3 * HOUR) }),
            'corr-sched-0001',
          );
          // fast-check 4: a stream is consumed through its iterator.
          const it = choices[Symbol.iterator]();
          const interleave = new Interleaver(() => it.next().value as number);
          w.ddb.before = interleave.gate;
          w.schedules.before = interleave.gate;
          const fireLive = async () => {
            await interleave.gate();
            const name = [...w.schedules.live.keys()][0];
            const input = name ? w.schedules.take(name) : undefined;
            if (input) await svc.fire(input.intent_id, input.generation);
          };
          const task: Record<Op, () => Promise<unknown>> = {
            cancel: () => svc.cancel(i.id, 'racing'),
            rescheduleNear: () => svc.reschedule(i.id, { run_at: at(40 * 60_000) }, 'corr-resched-01'),
            rescheduleFar: () => svc.reschedule(i.id, { run_at: at(4 * HOUR) }, 'corr-resched-02'),
            materialize: () => svc.materialize(),
            fire: fireLive,
            reactivate: () => svc.onEvent(event('user.reactivated')),
          };
          await interleave.run(ops.map((op) => task[op]));
          // Every live schedule is the recorded one of a scheduled intent, and a recorded one is
          // live; the one leftover allowed: the schedule of a generation that already fired, made
          // again by a materializer while that fire ran (it fires once more, skipped, and goes).
          const settled = w.intentOf(i.id) as IntentRecord;
          const recorded = settled.status === 'scheduled' && settled.schedule === 'created';
          const fired = settled.status === 'executing' || settled.status === 'executed';
          const live = [...w.schedules.live.keys()];
          if (recorded) expect(live).toEqual([settled.schedule_name]);
          else if (fired) expect(live.filter((n) => n !== settled.schedule_name)).toEqual([]);
          else expect(live).toEqual([]);
          const leftover = fired ? live : [];
          // Then time passes: whatever is still scheduled is materialized and fires; only that
          // leftover is skipped.
          w.ddb.before = async () => {};
          w.schedules.before = async () => {};
          w.later(5 * HOUR);
          for (
            let round = 0;
            round < 5 && w.schedules.live.size + (await svc.materialize()).created > 0;
            round++
          ) {
            for (const name of [...w.schedules.live.keys()]) {
              const input = w.schedules.take(name);
              if (input)
                expect(await svc.fire(input.intent_id, input.generation)).toBe(
                  leftover.includes(name) ? 'skipped' : 'executed',
                );
            }
          }
          const final = w.intentOf(i.id) as IntentRecord;
          const executed = w.types().filter((t) => t === 'scheduler.executed').length;
          expect(['executed', 'cancelled']).toContain(final.status);
          expect(runs).toBe(final.status === 'executed' ? 1 : 0);
          expect(executed).toBe(runs);
          expect(w.schedules.live.size).toBe(0);
          expect(final.deferred_key).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});
