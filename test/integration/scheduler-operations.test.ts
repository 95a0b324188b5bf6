/**
 * Intents as operators need them, on the emulator (issue 23): search by each filter, a
 * reschedule that fires at its new time only, a bulk cancellation of 200 intents, and the
 * scheduling horizon (2 minutes on the dev stack): a deferred intent materialized once it
 * enters the horizon and executed once, and one cancelled before that which never had a
 * schedule. The tests run concurrently, so the horizon's wait (~2.5 min) covers the others.
 * The emulator's Scheduler sweeps every 10 s and the materializer runs every minute: tests
 * poll on conditions, never sleep blindly.
 */
import { randomUUID } from 'node:crypto';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import type { IntentRecord } from '../../lib/scheduler/service.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { createCampaign } from './support/campaigns.ts';
import { api, eventually } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';

type Intent = IntentRecord;
type Issues = { error: { code: string; details?: { issues?: Array<{ path: string }> } } };
type Page = { items: Intent[]; next_cursor?: string };
type Job = {
  id: string;
  status: string;
  expected: number;
  matched: number;
  cancelled: number;
  skipped: number;
};

const u = () => randomUUID().slice(0, 8);
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

const campaign = () => createCampaign('ops');

async function schedule(body: Record<string, unknown>): Promise<Intent> {
  const r = await api<Intent>('POST', '/api/scheduler/intents', { body: { cancel_on: [], ...body } });
  expect(r.status, r.text).toBe(202);
  return r.body;
}

async function search(query: string): Promise<Intent[]> {
  const r = await api<Page>('GET', `/api/scheduler/intents?${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body.items;
}

const intent = async (entityId: string, id: string) =>
  (await search(`entity_id=${entityId}`)).find((i) => i.id === id);

async function scheduleNames(): Promise<string[]> {
  const out = await new SchedulerClient(emulatorClientConfig()).send(
    new ListSchedulesCommand({ GroupName: `tempora-${loadOutputs().environment}`, MaxResults: 100 }),
  );
  return (out.Schedules ?? []).map((s) => s.Name ?? '');
}

async function auditTypes(entityId: string): Promise<Array<{ type: string; at: string; intent?: string }>> {
  const r = await api<{
    items: Array<{ type: string; occurred_at: string; envelope?: { payload?: { intent_id?: string } } }>;
  }>('GET', `/api/security/audits?entity_id=${entityId}&limit=500`);
  return r.body.items.map((a) => {
    const intent = a.envelope?.payload?.intent_id;
    return { type: a.type, at: a.occurred_at, ...(intent ? { intent } : {}) };
  });
}

/** `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

describe.concurrent('intents as operators need them', () => {
  it('the horizon: a deferred intent gets its schedule once inside it and runs once; one cancelled before never had a schedule', {
    timeout: 300_000,
  }, async () => {
    expect(loadOutputs().stackOutputs.SchedulerHorizon).toBe('PT2M');
    const id = await campaign();
    // Just beyond the 2-minute horizon (with a margin for slow requests on a loaded machine).
    const runAt = inSeconds(170);
    const kept = await schedule({
      action: 'run_pattern',
      run_at: runAt,
      pattern: 'deferred-kept',
      entity: { type: 'campaign', id },
    });
    const dropped = await schedule({
      action: 'run_pattern',
      run_at: runAt,
      pattern: 'deferred-dropped',
      entity: { type: 'campaign', id },
    });
    const t0 = Date.now();
    for (const i of [kept, dropped]) expect(i).toMatchObject({ status: 'scheduled', schedule: 'deferred' });
    expect(await scheduleNames()).not.toContain(kept.schedule_name);
    const cancel = await api<Intent>('DELETE', `/api/scheduler/intents/${dropped.id}`);
    expect(cancel.status, cancel.text).toBe(200);

    // Inside the horizon, the materializer (every minute) makes the kept one's schedule.
    const created = await eventually(
      async () => {
        const i = await intent(id, kept.id);
        return i?.schedule === 'created' ? i : undefined;
      },
      150_000,
      'the deferred intent to be materialized',
    );
    const materializedAfter = (Date.now() - t0) / 1000;
    expect(created).toMatchObject({ status: 'scheduled', generation: 1 });
    const names = await scheduleNames();
    expect(names).toContain(kept.schedule_name);
    expect(names).not.toContain(dropped.schedule_name);

    const executed = await eventually(
      async () => {
        const i = await intent(id, kept.id);
        return i && ['executed', 'failed'].includes(i.status) ? i : undefined;
      },
      120_000,
      'the materialized intent to run',
    );
    const executedAfter = (Date.now() - t0) / 1000;
    expect(executed).toMatchObject({ status: 'executed', attempts: 1 });
    expect(Date.parse(executed.updated_at)).toBeGreaterThanOrEqual(Date.parse(runAt));
    const after = await intent(id, dropped.id);
    expect(after).toMatchObject({ status: 'cancelled', schedule: 'deferred' });

    // The audit story of both: deferred → materialized → executed once; deferred → cancelled, never materialized.
    const story = await eventually(
      async () => {
        const s = await auditTypes(id);
        return s.some((e) => e.type === 'scheduler.executed' && e.intent === kept.id) ? s : undefined;
      },
      30_000,
      'the audit to hold the execution',
    );
    const of = (intentId: string) => story.filter((e) => e.intent === intentId).map((e) => e.type);
    expect(of(kept.id)).toEqual([
      'scheduler.deferred',
      'scheduler.materialized',
      'pattern.run',
      'scheduler.executed',
    ]);
    expect(of(dropped.id)).toEqual(['scheduler.deferred', 'scheduler.cancelled']);
    console.log(
      `[horizon] deferred intent (run_at +170 s, horizon 2 min): materialized after ${materializedAfter.toFixed(0)} s, executed after ${executedAfter.toFixed(0)} s; the one cancelled first: no schedule ever`,
    );
  });

  it('search by each filter, in run_at order, paged with a cursor; bad filters are 400s naming the field', {
    timeout: 180_000,
  }, async () => {
    const tag = u();
    const pattern = `find-${tag}`;
    // A window of its own, years ahead: only this test's intents fall in it.
    const base = Date.parse('2031-01-01T00:00:00Z') + Math.floor(Math.random() * 1e6) * 60_000;
    const at = (m: number) => new Date(base + m * 60_000).toISOString();
    const [c1, c2] = [await campaign(), await campaign()];
    const a = await schedule({
      action: 'archive',
      run_at: at(3),
      pattern,
      entity: { type: 'campaign', id: c1 },
    });
    const b = await schedule({
      action: 'run_pattern',
      run_at: at(1),
      pattern,
      entity: { type: 'campaign', id: c2 },
    });
    const c = await schedule({
      action: 'run_pattern',
      run_at: at(2),
      pattern: `${pattern}-x`,
      entity: { type: 'campaign', id: c1 },
    });
    expect((await api('DELETE', `/api/scheduler/intents/${c.id}`)).status).toBe(200);
    const range = `run_at_from=${encodeURIComponent(at(0))}&run_at_to=${encodeURIComponent(at(10))}`;
    const ids = (items: Intent[]) => items.map((i) => i.id);

    expect(ids(await search(`pattern=${pattern}`))).toEqual([b.id, a.id]);
    expect(ids(await search(`entity_id=${c1}`))).toEqual([c.id, a.id]);
    expect(ids(await search(`status=scheduled&${range}`))).toEqual([b.id, a.id]);
    expect(ids(await search(`status=cancelled&${range}`))).toEqual([c.id]);
    expect(ids(await search(`action=run_pattern&${range}`))).toEqual([b.id, c.id]);
    expect(ids(await search(`entity_type=campaign&${range}`))).toEqual([b.id, c.id, a.id]);
    expect(ids(await search(range))).toEqual([b.id, c.id, a.id]);
    expect(ids(await search(`entity_type=user&${range}`))).toEqual([]);
    // Paged: one at a time, the cursor carries on, every intent once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await api<Page>(
        'GET',
        `/api/scheduler/intents?${range}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(r.status, r.text).toBe(200);
      seen.push(...ids(r.body.items));
      cursor = r.body.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([b.id, c.id, a.id]);
    // The summary counts them under their patterns.
    const summary = await api<{ by_pattern: Array<{ pattern: string; all: number; later: number }> }>(
      'GET',
      '/api/scheduler/intents/summary',
    );
    expect(summary.status, summary.text).toBe(200);
    expect(summary.body.by_pattern.find((p) => p.pattern === pattern)).toMatchObject({ all: 2, later: 2 });

    const bad: Array<[string, string]> = [
      ['status=sleeping', 'query.status'],
      ['action=explode', 'query.action'],
      ['run_at_from=yesterday', 'query.run_at_from'],
      [
        `run_at_from=${encodeURIComponent(at(5))}&run_at_to=${encodeURIComponent(at(1))}`,
        'query.run_at_from',
      ],
      ['cursor=not-a-cursor', 'query.cursor'],
      ['limit=0', 'query.limit'],
      ['color=blue', 'query.color'],
    ];
    for (const [q, path] of bad) {
      const r = await api<Issues>('GET', `/api/scheduler/intents?${q}`);
      expect(r.status, `${q}: ${r.text}`).toBe(400);
      expect(r.body.error.details?.issues?.map((i) => i.path)).toContain(path);
    }
    expect((await api('GET', '/api/scheduler/intents?status=scheduled', { as: 'user' })).status).toBe(403);
  });

  it('a reschedule fires at its new time only, once, with scheduler.rescheduled in the audit story', {
    timeout: 300_000,
  }, async () => {
    const id = await campaign();
    const first = await schedule({
      action: 'run_pattern',
      run_at: inSeconds(80),
      pattern: 'moved',
      entity: { type: 'campaign', id },
    });
    expect(first.schedule).toBe('created');
    const newRunAt = inSeconds(110);
    const r = await api<Intent>('PATCH', `/api/scheduler/intents/${first.id}`, {
      body: { run_at: newRunAt, cancel_on: ['campaign.extended'] },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      generation: 2,
      run_at: new Date(newRunAt).toISOString(),
      cancel_on: ['campaign.extended'],
      schedule: 'created',
    });
    const names = await scheduleNames();
    expect(names).toContain(r.body.schedule_name);
    expect(names).not.toContain(first.schedule_name);

    const done = await eventually(
      async () => {
        const i = await intent(id, first.id);
        return i && ['executed', 'failed'].includes(i.status) ? i : undefined;
      },
      // Its run_at is 110 s from the PATCH: the wait starts after it, so allow the emulator's
      // scheduler its own delay beyond run_at (it fires on whole seconds, polling).
      170_000,
      'the rescheduled intent to run',
    );
    expect(done).toMatchObject({ status: 'executed', attempts: 1, generation: 2 });
    const story = await eventually(
      async () => {
        const s = await auditTypes(id);
        return s.some((e) => e.type === 'scheduler.executed') ? s : undefined;
      },
      30_000,
      'the audit to hold the execution',
    );
    const types = story.filter((e) => e.intent === first.id).map((e) => e.type);
    expect(types).toEqual([
      'scheduler.scheduled',
      'scheduler.rescheduled',
      'pattern.run',
      'scheduler.executed',
    ]);
    const runs = story.filter((e) => e.type === 'pattern.run');
    expect(runs).toHaveLength(1);
    expect(Date.parse(runs[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(newRunAt));

    // Refused: a terminal intent (409), a past run_at, neither field, an unknown field (400).
    const terminal = await api<Issues>('PATCH', `/api/scheduler/intents/${first.id}`, {
      body: { run_at: inSeconds(600) },
    });
    expect(terminal.status, terminal.text).toBe(409);
    const other = await schedule({
      action: 'run_pattern',
      run_at: inSeconds(3600),
      pattern: 'moved-2',
      entity: { type: 'campaign', id },
    });
    const cases: Array<[unknown, string[]]> = [
      [{ run_at: inSeconds(-60) }, ['run_at']],
      [{}, ['run_at', 'cancel_on']],
      [{ run_at: 'soon' }, ['run_at']],
      [{ cancel_on: ['Not An Event'] }, ['cancel_on[0]']],
      [{ when: inSeconds(60) }, ['when']],
    ];
    for (const [body, paths] of cases) {
      const bad = await api<Issues>('PATCH', `/api/scheduler/intents/${other.id}`, { body });
      expect(bad.status, `${JSON.stringify(body)}: ${bad.text}`).toBe(400);
      expect(bad.body.error.details?.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(paths));
    }
    expect((await intent(id, other.id))?.generation).toBe(1);
    expect(
      (
        await api('PATCH', '/api/scheduler/intents/int_0000000000000000000000000000000000000000', {
          body: { run_at: inSeconds(60) },
        })
      ).status,
    ).toBe(404);
    await api('DELETE', `/api/scheduler/intents/${other.id}`);
  });

  it('a bulk cancel of 200 intents: dry run, then the job, its counts, every scheduler.cancelled in its audit', {
    timeout: 480_000,
  }, async () => {
    // 20 campaigns with 10 intents each (one per pattern), in a run_at window of this test's own.
    const tag = u();
    const base = Date.parse('2032-01-01T00:00:00Z') + Math.floor(Math.random() * 1e6) * 60_000;
    const at = (m: number) => new Date(base + m * 60_000).toISOString();
    const filter = { entity_type: 'campaign', run_at_from: at(0), run_at_to: at(300) };
    const started = Date.now();
    const campaigns = await pool(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      () => campaign(),
    );
    const made = (
      await pool(campaigns, 4, async (id) => {
        const mine: Intent[] = [];
        for (let p = 0; p < 10; p++)
          mine.push(
            await schedule({
              action: 'archive',
              run_at: at(1 + p * 20 + campaigns.indexOf(id)),
              pattern: `bulk-${tag}-${p}`,
              cancel_on: ['campaign.extended'],
              entity: { type: 'campaign', id },
            }),
          );
        return mine;
      })
    ).flat();
    expect(made).toHaveLength(200);
    const setup = (Date.now() - started) / 1000;
    const pattern = `bulk-${tag}-0`;

    // Bad input: no filter, all without confirm_large, a terminal status; nothing changes.
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ filter: {}, reason: 'x' }, 'filter'],
      [{ filter: { all: true }, reason: 'x' }, 'confirm_large'],
      [{ filter: { ...filter, status: 'executed' }, reason: 'x' }, 'filter.status'],
      [{ filter: { ...filter, run_at_from: at(400) }, reason: 'x' }, 'filter.run_at_from'],
      [{ filter, reason: '' }, 'reason'],
    ];
    for (const [body, path] of refused) {
      const r = await api<Issues>('POST', '/api/scheduler/intents/cancellations', { body });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.details?.issues?.map((i) => i.path)).toContain(path);
    }

    const dry = await api<{ matched: number; first: Intent[] }>(
      'POST',
      '/api/scheduler/intents/cancellations',
      {
        body: { filter, reason: 'ops test', dry_run: true },
      },
    );
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body.matched).toBe(200);
    expect(dry.body.first).toHaveLength(20);
    const range = `entity_type=campaign&run_at_from=${encodeURIComponent(at(0))}&run_at_to=${encodeURIComponent(at(300))}`;
    expect((await search(`${range}&status=scheduled&limit=100`)).length).toBe(100);
    expect((await search(`pattern=${pattern}&status=scheduled`)).length).toBe(20);

    const jobId = `ops-${u()}`;
    const key = `bulk-${u()}`;
    const body = { id: jobId, filter, reason: 'ops test' };
    const t = Date.now();
    const job = await api<Job>('POST', '/api/scheduler/intents/cancellations', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect(job.status, job.text).toBe(202);
    expect(job.body).toMatchObject({ id: jobId, status: 'running', expected: 200 });
    // The same request again (a client retry): the same answer, no second job.
    const replay = await api<Job>('POST', '/api/scheduler/intents/cancellations', {
      body,
      headers: { 'idempotency-key': key },
    });
    expect([replay.status, replay.body.id]).toEqual([202, jobId]);
    // The job id again, as a new request: refused.
    const reused = await api('POST', '/api/scheduler/intents/cancellations', {
      body,
      headers: { 'idempotency-key': `${key}-2` },
    });
    expect(reused.status, reused.text).toBe(409);

    const final = await eventually(
      async () => {
        const r = await api<Job>('GET', `/api/scheduler/intents/cancellations/${jobId}`);
        expect(r.status, r.text).toBe(200);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      180_000,
      'the bulk cancellation to complete',
    );
    const took = (Date.now() - t) / 1000;
    expect(final).toMatchObject({ expected: 200, matched: 200, cancelled: 200, skipped: 0 });
    let cancelled = 0;
    let cursor: string | undefined;
    do {
      const r = await api<Page>(
        'GET',
        `/api/scheduler/intents?${range}&status=cancelled&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      cancelled += r.body.items.filter((i) => i.reason === 'ops test' && i.job_id === jobId).length;
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(cancelled).toBe(200);
    expect(await search(`${range}&status=scheduled`)).toEqual([]);
    // Every intent's scheduler.cancelled is in its entity's audit story.
    const missing = await eventually(
      async () => {
        const stories = await pool(campaigns, 4, async (id) => ({ id, story: await auditTypes(id) }));
        const lacking = made.filter(
          (i) =>
            !stories
              .find((s) => s.id === i.entity_id)
              ?.story.some((e) => e.type === 'scheduler.cancelled' && e.intent === i.id),
        );
        return lacking.length === 0 ? lacking : undefined;
      },
      90_000,
      'every scheduler.cancelled in the audit',
    );
    expect(missing).toEqual([]);
    console.log(
      `[bulk cancel] 200 intents (set up in ${setup.toFixed(0)} s): dry run matched 200; job completed in ${took.toFixed(1)} s: matched ${final.matched}, cancelled ${final.cancelled}, skipped ${final.skipped}`,
    );
  });
});
