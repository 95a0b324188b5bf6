/**
 * Intent search (lib/scheduler/search.ts): which index each filter reads (never a Scan), pages in
 * run_at order across merged partitions, cursors; the summary; and bulk cancellation jobs
 * (lib/scheduler/cancellations.ts): dry run, confirmation, steps, counts, a redelivered step.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { IntentCancellations, STEP_INTENTS } from '../../../lib/scheduler/cancellations.ts';
import { INTENT_STATUSES } from '../../../lib/scheduler/contract-schedule.ts';
import { cancellationBodySchema } from '../../../lib/scheduler/contract-schemas.ts';
import type { IntentRecord } from '../../../lib/scheduler/intent.ts';
import { IntentSearch, planSearch, summarize } from '../../../lib/scheduler/search.ts';
import type { SchedulerService } from '../../../lib/scheduler/service.ts';
import { INTENTS, JOBS, OUTBOX, rejection, retention, World } from '../support/scheduler-world.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

let w: World;
let svc: SchedulerService;
let search: IntentSearch;

beforeEach(() => {
  w = new World();
  w.now = T0;
  svc = w.service(undefined, HOUR);
  search = new IntentSearch(w.ddb.client, INTENTS);
});

/** `n` users, each with an intent of `pattern` due `i` minutes apart from `from`. */
async function seed(n: number, pattern: string, from: number, over: Parameters<typeof retention>[0] = {}) {
  const made: IntentRecord[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${pattern}-u${i}`;
    w.users.entities.add(id);
    made.push(
      await svc.schedule(
        retention({ pattern, entity: { type: 'user', id }, run_at: at(from + i * 60_000), ...over }),
        'corr-seed-0001',
      ),
    );
  }
  return made;
}

describe('planSearch: one index per filter set, never a scan', () => {
  it('entity_id → by_entity; pattern → by_pattern; status → by_status; else the five status partitions', () => {
    expect(planSearch({ entity_id: 'u1', status: 'scheduled', pattern: 'p' })).toMatchObject({
      index: 'by_entity',
      partitions: ['u1'],
      filter: '#status = :status AND #pattern = :pattern',
    });
    expect(planSearch({ pattern: 'p', action: 'delete' })).toMatchObject({
      index: 'by_pattern',
      partitions: ['p'],
      filter: '#action = :action',
    });
    expect(planSearch({ status: 'cancelled', entity_type: 'user' })).toMatchObject({
      index: 'by_status',
      partitions: ['cancelled'],
      filter: '#entity_type = :entity_type',
    });
    expect(planSearch({ action: 'archive' })).toMatchObject({
      index: 'by_status',
      partitions: [...INTENT_STATUSES],
    });
    expect(planSearch({})).toMatchObject({ index: 'by_status', partitions: [...INTENT_STATUSES] });
    expect(planSearch({}).filter).toBeUndefined();
  });

  it('run_at_from / run_at_to are the key condition on the sort key', () => {
    expect(planSearch({ status: 'scheduled', run_at_from: at(0) }).range).toBe('run_at >= :from');
    expect(planSearch({ status: 'scheduled', run_at_to: at(0) }).range).toBe('run_at <= :to');
    expect(planSearch({ status: 'scheduled', run_at_from: at(0), run_at_to: at(1) }).range).toBe(
      'run_at BETWEEN :from AND :to',
    );
  });
});

describe('IntentSearch', () => {
  it('filters by each filter, in run_at order, with Query only', async () => {
    const a = await seed(3, 'alpha', 2 * HOUR);
    const b = await seed(2, 'beta', 2 * HOUR + 30_000, { action: 'archive' });
    await svc.cancel(a[1]?.id ?? '', 'x');
    const ids = async (f: Parameters<IntentSearch['page']>[0]) =>
      (await search.page(f, 100)).items.map((i) => i.id);
    expect(await ids({ pattern: 'alpha' })).toEqual(a.map((i) => i.id));
    expect(await ids({ status: 'cancelled' })).toEqual([a[1]?.id]);
    expect(await ids({ action: 'archive' })).toEqual(b.map((i) => i.id));
    expect(await ids({ entity_type: 'user', status: 'scheduled' })).toEqual(
      [a[0], b[0], b[1], a[2]].map((i) => i?.id),
    );
    expect(await ids({ entity_id: 'beta-u1' })).toEqual([b[1]?.id]);
    expect(await ids({ run_at_from: at(2 * HOUR + 60_000), run_at_to: at(2 * HOUR + 90_000) })).toEqual(
      [a[1], b[1]].map((i) => i?.id),
    );
    expect(w.ddb.of(ScanCommand)).toEqual([]);
    expect(w.ddb.of(QueryCommand).length).toBeGreaterThan(0);
  });

  it('pages through merged partitions with cursors, every intent once, in order', async () => {
    w.ddb.pageSize = 3;
    const made = [...(await seed(7, 'alpha', 2 * HOUR)), ...(await seed(6, 'beta', 2 * HOUR + 1000))];
    for (const i of made.slice(0, 4)) await svc.cancel(i.id, 'x');
    const seen: IntentRecord[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search.page({ entity_type: 'user' }, 4, cursor);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.map((i) => i.id).sort()).toEqual(made.map((i) => i.id).sort());
    const times = seen.map((i) => i.run_at);
    expect([...times].sort()).toEqual(times);
  });

  it('a cursor is refused on another filter (400 naming query.cursor)', async () => {
    await seed(3, 'alpha', 2 * HOUR);
    const { next_cursor } = await search.page({ pattern: 'alpha' }, 1);
    expect(next_cursor).toBeTruthy();
    const e = await rejection(search.page({ pattern: 'beta' }, 1, next_cursor));
    expect(e.status).toBe(400);
    expect(e.details).toMatchObject({ issues: [{ path: 'query.cursor' }] });
  });

  it('counts what a filter matches', async () => {
    await seed(5, 'alpha', 2 * HOUR);
    expect(await search.count({ pattern: 'alpha', status: 'scheduled' })).toBe(5);
    // Past `max` it stops reading (pages of 2: 2, then 4 > 2).
    w.ddb.pageSize = 2;
    expect(await search.count({ status: 'scheduled' }, 2)).toBe(4);
  });
});

describe('summarize', () => {
  it('counts scheduled intents by pattern and by when they are due (disjoint buckets), and the deferred ones', async () => {
    await seed(2, 'soon', 30 * 60_000);
    await seed(1, 'today', 5 * HOUR);
    await seed(1, 'week', 3 * 24 * HOUR);
    await seed(1, 'later', 30 * 24 * HOUR);
    const s = await summarize(w.ddb.client, INTENTS, T0, HOUR);
    expect(s.total).toEqual({ next_hour: 2, next_day: 1, next_week: 1, later: 1, all: 5, deferred: 3 });
    expect(s.by_pattern.map((p) => [p.pattern, p.all])).toEqual([
      ['later', 1],
      ['soon', 2],
      ['today', 1],
      ['week', 1],
    ]);
  });
});

describe('bulk cancellation jobs', () => {
  const jobs = () =>
    new IntentCancellations({
      ddb: w.ddb.client,
      tables: { jobs: JOBS, outbox: OUTBOX },
      scheduler: svc,
      search,
      now: () => w.now,
    });
  const actor = { actor: { sub: 'ops', role: 'admin' as const }, correlationId: 'corr-bulk-0001' };
  const body = (over: Record<string, unknown>) => cancellationBodySchema.parse({ reason: 'paused', ...over });
  /** Run the job's steps as the bus would deliver its events, until it completes. */
  async function drive(c: IntentCancellations) {
    for (let n = 0; n < 20; n++) {
      const next = w.events().filter((e) => c.handles(e) && !handled.has(e.id));
      if (next.length === 0) return;
      for (const e of next) {
        handled.add(e.id);
        await c.onEvent(e);
      }
    }
  }
  const handled = new Set<string>();

  it('a dry run counts and shows the first 20, changing nothing', async () => {
    await seed(25, 'alpha', 2 * HOUR);
    const out = await jobs().request(body({ filter: { pattern: 'alpha' }, dry_run: true }), actor);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ dry_run: true, matched: 25, confirm_large_required: false });
    expect((out.body as { first: unknown[] }).first).toHaveLength(20);
    expect(w.intents().every((i) => i.status === 'scheduled')).toBe(true);
  });

  it('a job cancels every match in steps, counts them, and each cancel is scheduler.cancelled with the reason', async () => {
    const made = await seed(STEP_INTENTS + 30, 'alpha', 2 * HOUR);
    await seed(3, 'beta', 2 * HOUR);
    const c = jobs();
    const out = await c.request(body({ id: 'job-1', filter: { pattern: 'alpha' } }), actor);
    expect(out).toMatchObject({
      status: 202,
      body: { id: 'job-1', status: 'running', expected: made.length },
    });
    await drive(c);
    expect(await c.get('job-1')).toMatchObject({
      status: 'completed',
      matched: made.length,
      cancelled: made.length,
      skipped: 0,
    });
    expect(made.every((i) => w.intentOf(i.id)?.status === 'cancelled')).toBe(true);
    expect(
      w
        .intents()
        .filter((i) => i.pattern === 'beta')
        .every((i) => i.status === 'scheduled'),
    ).toBe(true);
    const cancelled = w.events().filter((e) => e.type === 'scheduler.cancelled');
    expect(cancelled).toHaveLength(made.length);
    expect(cancelled.every((e) => e.payload?.reason === 'paused' && e.payload?.job_id === 'job-1')).toBe(
      true,
    );
    expect(w.types().filter((t) => t.startsWith('scheduler.cancellation.'))).toEqual([
      'scheduler.cancellation.started',
      'scheduler.cancellation.progressed',
      'scheduler.cancellation.completed',
    ]);
    // A job id is used once.
    expect(
      (await rejection(c.request(body({ id: 'job-1', filter: { pattern: 'beta' } }), actor))).status,
    ).toBe(409);
  });

  it('a redelivered step does nothing; an intent fired in between is skipped, not cancelled', async () => {
    const made = await seed(5, 'alpha', 2 * HOUR);
    const c = jobs();
    await c.request(body({ id: 'job-2', filter: { pattern: 'alpha' } }), actor);
    const started = w.events().find((e) => e.type === 'scheduler.cancellation.started');
    // The second intent fires while the job runs: the job reaches it no longer scheduled.
    let once = false;
    const real = svc.tryCancel.bind(svc);
    svc.tryCancel = async (i, reason, opts) => {
      if (!once && i.id === made[1]?.id) {
        once = true;
        await svc.fire(i.id, i.generation);
      }
      return real(i, reason, opts);
    };
    await drive(c);
    if (started) await c.onEvent(started); // redelivered: the step moved on
    expect(await c.get('job-2')).toMatchObject({ status: 'completed', matched: 5, cancelled: 4, skipped: 1 });
    expect(w.intentOf(made[1]?.id ?? '')?.status).toBe('executed');
  });

  it('more than the threshold needs confirm_large; an empty filter or all without confirm_large is refused', async () => {
    const parsed = (b: Record<string, unknown>) => cancellationBodySchema.safeParse({ reason: 'x', ...b });
    const paths = (b: Record<string, unknown>) => parsed(b).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ filter: {} })).toEqual(['filter']);
    expect(paths({ filter: { all: true } })).toEqual(['confirm_large']);
    expect(parsed({ filter: { all: true }, confirm_large: true }).success).toBe(true);
    expect(paths({ filter: { status: 'executed' } })).toEqual(['filter.status']);
    expect(paths({ filter: { pattern: 'a', run_at_from: at(HOUR), run_at_to: at(0) } })).toEqual([
      'filter.run_at_from',
    ]);
    expect(paths({ filter: { pattern: 'a' }, reason: ' ' })).toEqual(['reason']);
  });
});
