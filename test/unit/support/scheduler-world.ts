/**
 * The scheduler's unit-test world: the service over the kit's in-memory DynamoDB
 * (test/kit/dynamodb-model.ts) told exactly the condition and filter expressions the scheduler
 * uses (any other fails the test, as does an unused or undefined placeholder or a bare reserved
 * word; transactions all-or-nothing), fakes of the schedule API (which schedules are alive) and
 * of entity stores, and an injected clock.
 */
import { expect, vi } from 'vitest';
import { isTemporaError, notFound, type TemporaError } from '../../../lib/errors.ts';
import { buildEnvelope, type EventEnvelope } from '../../../lib/events/envelope.ts';
import type { SchedulePayload } from '../../../lib/events/schedule.ts';
import { intentId, scheduleName } from '../../../lib/scheduler/names.ts';
import type { Schedules } from '../../../lib/scheduler/schedules.ts';
import { type ActionRunner, type IntentRecord, SchedulerService } from '../../../lib/scheduler/service.ts';
import type { EntityStore, RequestContext } from '../../../lib/store/entity-store.ts';
import { DynamoModel, type Item, type Predicate } from '../../kit/dynamodb-model.ts';

export const INTENTS = 'tempora-test-_scheduler_intents';
export const JOBS = 'tempora-test-_scheduler_jobs';
export const OUTBOX = 'tempora-test-_nexus_outbox';
export const ENV = 'test';
type Values = Record<string, unknown>;

/** The conditions the service writes with, evaluated on the current item (undefined = absent). */
const CONDITIONS: Record<string, (item: Item | undefined, v: Values) => boolean> = {
  // fire: take the intent while scheduled, or retake an expired lease of the same generation.
  'generation = :g AND (#status = :scheduled OR (#status = :executing AND lease_until < :nowMs))': (i, v) =>
    i !== undefined &&
    i.generation === v[':g'] &&
    (i.status === v[':scheduled'] ||
      (i.status === v[':executing'] && (i.lease_until as number) < (v[':nowMs'] as number))),
  // schedule again: replace the generation read
  'generation = :g': (i, v) => i !== undefined && i.generation === v[':g'],
  // cancel, reschedule: still scheduled, same generation, same schedule state as read
  '#status = :scheduled AND generation = :g AND #schedule = :schedule': (i, v) =>
    i !== undefined &&
    i.status === v[':scheduled'] &&
    i.generation === v[':g'] &&
    i.schedule === v[':schedule'],
  // materialize: record the schedule made for a deferred generation
  '#status = :scheduled AND generation = :g AND #schedule = :deferred': (i, v) =>
    i !== undefined &&
    i.status === v[':scheduled'] &&
    i.generation === v[':g'] &&
    i.schedule === v[':deferred'],
  // finish
  'generation = :g AND #status IN (:executing, :scheduled)': (i, v) =>
    i !== undefined &&
    i.generation === v[':g'] &&
    (i.status === v[':executing'] || i.status === v[':scheduled']),
  // release
  'generation = :g AND #status = :executing': (i, v) =>
    i !== undefined && i.generation === v[':g'] && i.status === v[':executing'],
  // outbox envelope once per id; a job id used once
  'attribute_not_exists(id)': (i) => i === undefined,
  // a bulk cancellation's step: claim it, then record it
  'step = :n AND #status = :running AND lease_until < :nowMs': (i, v) =>
    i !== undefined &&
    i.step === v[':n'] &&
    i.status === v[':running'] &&
    (i.lease_until as number) < (v[':nowMs'] as number),
  'step = :n AND lease_until = :lease': (i, v) =>
    i !== undefined && i.step === v[':n'] && i.lease_until === v[':lease'],
};
const CANCEL_FILTER = '#status = :s AND contains(cancel_on, :t) AND entity_type = :et';
/** The cascade of a deletion: every scheduled intent of the entity (of that type). */
const DELETED_FILTER = '#status = :s AND entity_type = :et';
/** The search's filters: each given one but the index's key, in this order, ANDed. */
const SEARCH_ATTRS = ['status', 'action', 'pattern', 'entity_type'] as const;

function searchFilters(): Record<string, Predicate> {
  const out: Record<string, Predicate> = {};
  for (let mask = 1; mask < 1 << SEARCH_ATTRS.length; mask++) {
    const attrs = SEARCH_ATTRS.filter((_, i) => mask & (1 << i));
    out[attrs.map((a) => `#${a} = :${a}`).join(' AND ')] = (i, v, n) =>
      i !== undefined && attrs.every((a) => n[`#${a}`] === a && i[a] === v[`:${a}`]);
  }
  return out;
}

/** The intents table (its indexes), the jobs table and the outbox, told the service's expressions. */
export function newModel(): DynamoModel {
  const expressions: Record<string, Predicate> = {
    ...CONDITIONS,
    ...searchFilters(),
    [CANCEL_FILTER]: (i, v) =>
      i !== undefined &&
      i.status === v[':s'] &&
      (i.cancel_on as string[]).includes(v[':t'] as string) &&
      i.entity_type === v[':et'],
    [DELETED_FILTER]: (i, v) => i !== undefined && i.status === v[':s'] && i.entity_type === v[':et'],
  };
  // `#status` is always the status attribute, `#schedule` the schedule state.
  const bound = Object.fromEntries(
    Object.entries(expressions).map(([expr, p]): [string, Predicate] => [
      expr,
      (i, v, n) => {
        if (expr.includes('#status')) expect(n['#status']).toBe('status');
        if (expr.includes('#schedule')) expect(n['#schedule']).toBe('schedule');
        return p(i, v, n);
      },
    ]),
  );
  return new DynamoModel(
    {
      [INTENTS]: {
        partitionKey: 'id',
        indexes: {
          by_entity: { partitionKey: 'entity_id', sortKey: 'run_at' },
          by_status: { partitionKey: 'status', sortKey: 'run_at' },
          by_pattern: { partitionKey: 'pattern', sortKey: 'run_at' },
          by_deferred: { partitionKey: 'deferred_key', sortKey: 'run_at' },
        },
      },
      [JOBS]: { partitionKey: 'id' },
      [OUTBOX]: { partitionKey: 'id' },
    },
    bound,
  );
}

type Call =
  | { op: 'upsert'; name: string; runAt: string; input: Record<string, unknown> }
  | { op: 'remove'; name: string };

/** The schedule API: every call, and the schedules alive (made, not yet deleted or fired). */
export class FakeSchedules implements Schedules {
  readonly calls: Call[] = [];
  readonly live = new Map<string, { runAt: string; input: Record<string, unknown> }>();
  failUpsert: Error | undefined;
  /** Runs ahead of each call (to interleave another operation there). */
  before: (call: Call['op'], name: string) => Promise<void> = async () => {};

  async upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void> {
    await this.before('upsert', name);
    if (this.failUpsert) throw this.failUpsert;
    this.calls.push({ op: 'upsert', name, runAt: runAt.toISOString(), input });
    this.live.set(name, { runAt: runAt.toISOString(), input });
  }

  async remove(name: string): Promise<void> {
    await this.before('remove', name);
    this.calls.push({ op: 'remove', name });
    this.live.delete(name);
  }

  /** A schedule fires: gone (ActionAfterCompletion DELETE); its input for the scheduler's fire(). */
  take(name: string): { intent_id: string; generation: number } | undefined {
    const s = this.live.get(name);
    this.live.delete(name);
    return s?.input as { intent_id: string; generation: number } | undefined;
  }
}

/** The three EntityStore methods the scheduler calls. */
export class FakeStore {
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

/** One test's tables, schedules, entities (users u1, u2; campaign c1) and clock. */
export class World {
  readonly ddb = newModel();
  readonly schedules = new FakeSchedules();
  readonly users = new FakeStore('user', 'u1', 'u2');
  readonly campaigns = new FakeStore('campaign', 'c1');
  now = new Date('2026-03-01T12:00:00.000Z');

  /** The service over this world; no horizon unless given (every schedule made at once). */
  service(runAction?: ActionRunner, horizonMs = Number.POSITIVE_INFINITY): SchedulerService {
    return new SchedulerService(
      {
        ddb: this.ddb.client,
        tables: { intents: INTENTS, outbox: OUTBOX },
        environment: ENV,
        schedules: this.schedules,
        storeFor: (type) =>
          type === 'user' ? this.users.asStore : type === 'campaign' ? this.campaigns.asStore : undefined,
        now: () => this.now,
        horizonMs,
      },
      runAction,
    );
  }

  intents(): IntentRecord[] {
    return this.ddb.items(INTENTS) as unknown as IntentRecord[];
  }
  intentOf(id: string): IntentRecord | undefined {
    return this.ddb.item(INTENTS, { id }) as unknown as IntentRecord | undefined;
  }
  /** Envelopes committed to the outbox, in commit order. */
  events(): EventEnvelope[] {
    return this.ddb.items(OUTBOX).map((row) => row.envelope as EventEnvelope);
  }
  types(): string[] {
    return this.events().map((e) => e.type);
  }
  later(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export const retention = (over: Partial<SchedulePayload> = {}): SchedulePayload => ({
  action: 'delete',
  run_at: '2026-05-30T12:00:00.000Z',
  pattern: 'retention',
  cancel_on: ['user.reactivated', 'policy_override'],
  entity: { type: 'user', id: 'u1' },
  ...over,
});

export const event = (type: string, over: Partial<EventEnvelope> = {}): EventEnvelope => ({
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

export const runner = () => vi.fn<ActionRunner>(async () => undefined);
export const nameOf = (id: string, generation = 1) => scheduleName(ENV, id, generation);
export const retentionId = () => intentId('user', 'u1', 'retention');

export async function rejection(p: Promise<unknown>): Promise<TemporaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isTemporaError(e), String(e)).toBe(true);
  return e as TemporaError;
}
export const issues = (e: TemporaError) =>
  (e.details as { issues: Array<{ path: string; message: string }> }).issues;
