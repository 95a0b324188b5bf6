/**
 * Issue 23: what the scheduling horizon saves at internet scale, simulated.
 *
 * 1 M users sign up over 30 days under a 90-day retention policy (a `scheduler.schedule` of a
 * delete intent each, cancelled by `user.reactivated`); 60 % of them come back once before their
 * intent is due (`user.reactivated` carrying a fresh 90-day intent, as the user service sends
 * it); the others are deleted when their intent fires. Run once with a 7-day horizon and a
 * materializer every 5 minutes, once without a horizon (every schedule made at once), on the
 * same users and times.
 *
 * It runs the REAL scheduler code (SchedulerService: onEvent, materialize, fire) with an injected
 * clock, over an in-memory model of its tables (bench/sim/dynamo.ts: indexes, conditions,
 * transactions) and of EventBridge Scheduler (bench/sim/schedules.ts: the schedules alive, the
 * calls, firing when due). Entity stores are stand-ins (a set of live users). Reported: the peak
 * of schedules alive, and the Scheduler API calls (CreateSchedule, DeleteSchedule).
 *
 * Reactivation spreads (when a returning user comes back):
 * - `uniform`: anywhere between sign-up and the deletion's due time, uniformly (the main line);
 * - `last-week`: in the 7 days before the deletion is due, uniformly (users answering a
 *   "your account will be deleted in 7 days" reminder): every reactivation lands inside the
 *   horizon, the horizon's worst case.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../lib/errors.ts';
import { buildEnvelope } from '../lib/events/envelope.ts';
import { logger } from '../lib/observability.ts';
import { SchedulerService } from '../lib/scheduler/service.ts';
import type { EntityStore } from '../lib/store/entity-store.ts';
import { printTable, rng } from './lib.ts';
import { MemoryDynamo } from './sim/dynamo.ts';
import { MemorySchedules } from './sim/schedules.ts';

const DAY = 86_400_000;
const USERS = Number(process.env.BENCH_SCALE_USERS ?? 1_000_000);
const SIGNUP_DAYS = 30;
const RETENTION_DAYS = 90;
const REACTIVATED = 0.6;
const HORIZON_DAYS = 7;
const MATERIALIZER_MS = 5 * 60_000;
const T0 = Date.parse('2027-01-01T00:00:00.000Z');
const INTENTS = 'sim-intents';
const OUTBOX = 'sim-outbox';

export type Spread = 'uniform' | 'last-week';

export interface ScaleResult {
  users: number;
  spread: Spread;
  horizonDays: number | undefined;
  peak: number;
  calls: number;
  executed: number;
  cancelled: number;
  seconds: number;
}

/** Sign-ups and reactivations, in time order: [time ms, user index, 0 = sign-up | 1 = reactivation]. */
function userEvents(users: number, spread: Spread): Float64Array {
  const rnd = rng(23);
  const out: number[][] = [];
  for (let u = 0; u < users; u++) {
    const signup = T0 + rnd() * SIGNUP_DAYS * DAY;
    out.push([signup, u, 0]);
    if (rnd() < REACTIVATED) {
      const due = signup + RETENTION_DAYS * DAY;
      const back =
        spread === 'uniform' ? signup + rnd() * RETENTION_DAYS * DAY : due - rnd() * HORIZON_DAYS * DAY;
      out.push([Math.min(back, due - 60_000), u, 1]);
    }
  }
  out.sort((a, b) => (a[0] as number) - (b[0] as number));
  const flat = new Float64Array(out.length * 3);
  for (let i = 0; i < out.length; i++) flat.set(out[i] as number[], i * 3);
  return flat;
}

const userId = (u: number) => `u${String(u).padStart(8, '0')}`;

/** The stand-in user store: the users alive (get, the metadata write, the delete). */
function userStore(alive: Set<string>): EntityStore {
  const need = (id: string) => {
    if (!alive.has(id)) throw notFound(`user "${id}" not found`);
    return { id };
  };
  return {
    get: async (id: string) => need(id),
    patch: async (id: string) => need(id),
    remove: async (id: string) => {
      need(id);
      alive.delete(id);
    },
  } as unknown as EntityStore;
}

export async function simulate(spread: Spread, horizonDays: number | undefined): Promise<ScaleResult> {
  const started = performance.now();
  // A million users' materializer runs are not worth a log line each here.
  logger.setLogLevel('SILENT');
  const events = userEvents(USERS, spread);
  const ddb = new MemoryDynamo({
    [INTENTS]: {
      partitionKey: 'id',
      // The indexes the simulated flows read (cancellation by event, the materializer).
      indexes: {
        by_entity: { partitionKey: 'entity_id', sortKey: 'run_at' },
        by_deferred: { partitionKey: 'deferred_key', sortKey: 'run_at' },
      },
    },
    [OUTBOX]: {
      partitionKey: 'id',
      sink: { count: (row) => String((row.envelope as { type: string }).type) },
    },
  });
  const schedules = new MemorySchedules();
  const alive = new Set<string>();
  const store = userStore(alive);
  let now = T0;
  const svc = new SchedulerService({
    ddb: ddb.client,
    tables: { intents: INTENTS, outbox: OUTBOX },
    environment: 'sim',
    schedules,
    storeFor: (type) => (type === 'user' ? store : undefined),
    now: () => new Date(now),
    horizonMs: horizonDays === undefined ? Number.POSITIVE_INFINITY : horizonDays * DAY,
  });
  const retention = (u: number, from: number) => ({
    action: 'delete',
    run_at: new Date(from + RETENTION_DAYS * DAY).toISOString(),
    pattern: 'retention',
    cancel_on: ['user.reactivated', 'policy_override'],
    entity: { type: 'user', id: userId(u) },
  });
  const envelope = (type: string, u: number, payload: Record<string, unknown>) =>
    buildEnvelope({
      type,
      service: 'user',
      environment: 'sim',
      correlationId: `sim-${userId(u)}`,
      actor: { id: userId(u), role: 'user' },
      entity: { type: 'user', id: userId(u), version: 1 },
      payload,
    });

  const anyDeferred = async () => {
    const out = (await ddb.client.send(
      new QueryCommand({
        TableName: INTENTS,
        IndexName: 'by_deferred',
        KeyConditionExpression: 'deferred_key = :d',
        ExpressionAttributeValues: { ':d': 'deferred' },
        Limit: 1,
      }),
    )) as { Count?: number };
    return (out.Count ?? 0) > 0;
  };
  let next = 0;
  let tick = T0;
  const count = events.length / 3;
  for (;;) {
    const user = next < count ? (events[next * 3] as number) : Number.POSITIVE_INFINITY;
    const dueIso = schedules.nextDue();
    const due = dueIso === undefined ? Number.POSITIVE_INFINITY : Date.parse(dueIso);
    const materializer = horizonDays === undefined ? Number.POSITIVE_INFINITY : tick;
    // Done when no user event and no schedule is left, and nothing is deferred.
    if (user === Number.POSITIVE_INFINITY && due === Number.POSITIVE_INFINITY && !(await anyDeferred()))
      break;
    const t = Math.min(user, due, materializer);
    now = t;
    if (t === materializer) {
      await svc.materialize();
      tick += MATERIALIZER_MS;
    } else if (t === due) {
      const input = schedules.takeNext() as { intent_id: string; generation: number };
      await svc.fire(input.intent_id, input.generation);
    } else {
      const u = events[next * 3 + 1] as number;
      const kind = events[next * 3 + 2];
      next++;
      if (kind === 0) {
        alive.add(userId(u));
        await svc.onEvent(envelope('scheduler.schedule', u, retention(u, t)));
      } else {
        await svc.onEvent(envelope('user.reactivated', u, { reschedule: [retention(u, t)] }));
      }
    }
  }
  const sunk = ddb.sunk(OUTBOX);
  const result: ScaleResult = {
    users: USERS,
    spread,
    horizonDays,
    peak: schedules.peak,
    calls: schedules.calls,
    executed: sunk.get('scheduler.executed') ?? 0,
    cancelled: sunk.get('scheduler.cancelled') ?? 0,
    seconds: (performance.now() - started) / 1000,
  };
  // Every user was either deleted or came back and was deleted later: nothing left behind.
  if (result.executed !== USERS || alive.size !== 0 || schedules.live.size !== 0)
    throw new Error(`simulation did not settle: ${JSON.stringify({ ...result, alive: alive.size })}`);
  return result;
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;

/**
 * The four runs (two spreads, with and without the horizon), a table of them, the second
 * spread's line, and the `intents-scale-summary` line of the main (uniform) spread, returned.
 */
export async function runScaleSimulation(): Promise<string> {
  console.log(
    `  horizon at scale: ${USERS.toLocaleString('en-US')} users signing up over ${SIGNUP_DAYS} days, ${RETENTION_DAYS}-day retention, ` +
      `${REACTIVATED * 100} % reactivated once; real SchedulerService, in-memory tables and Scheduler, injected clock:`,
  );
  const rows: Array<Record<string, string | number>> = [];
  const runs: Partial<Record<Spread, { h: ScaleResult; none: ScaleResult }>> = {};
  for (const spread of ['uniform', 'last-week'] as const) {
    const h = await simulate(spread, HORIZON_DAYS);
    console.error(`  … ${spread}, ${HORIZON_DAYS}-day horizon: ${h.seconds.toFixed(0)} s`);
    const none = await simulate(spread, undefined);
    console.error(`  … ${spread}, no horizon: ${none.seconds.toFixed(0)} s`);
    runs[spread] = { h, none };
    for (const r of [h, none])
      rows.push({
        reactivations: spread,
        horizon: r.horizonDays === undefined ? 'none' : `${r.horizonDays} days`,
        'schedules alive (peak)': r.peak,
        'Scheduler API calls': r.calls,
        executed: r.executed,
        cancelled: r.cancelled,
        s: Number(r.seconds.toFixed(0)),
      });
  }
  printTable(rows);
  const line = (prefix: string, x: { h: ScaleResult; none: ScaleResult }) =>
    `${prefix} users=${x.h.users} horizon_days=${HORIZON_DAYS} schedules_alive_peak=${x.h.peak} ` +
    `schedules_alive_peak_without_horizon=${x.none.peak} scheduler_calls=${x.h.calls} ` +
    `scheduler_calls_without_horizon=${x.none.calls}`;
  const main = runs.uniform as { h: ScaleResult; none: ScaleResult };
  const late = runs['last-week'] as { h: ScaleResult; none: ScaleResult };
  console.log(
    `  uniform reactivations: peak ${pct(main.h.peak, main.none.peak)} of no horizon (aim ≤ 15 %), calls ${pct(main.h.calls, main.none.calls)} (aim ≤ 50 %)`,
  );
  console.log(
    `  last-week reactivations: peak ${pct(late.h.peak, late.none.peak)}, calls ${pct(late.h.calls, late.none.calls)} (every reactivation inside the horizon)`,
  );
  console.log(line('intents-scale-last-week', late));
  return line('intents-scale-summary', main);
}
