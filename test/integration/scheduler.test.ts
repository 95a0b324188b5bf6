/**
 * Optimistic scheduling on the emulator: intents fire once, cancellation by event, the
 * cancel/fire race, idempotent delivery, the retention flow and the audit trail.
 * The emulator's scheduler sweeps every 10 s: tests poll with deadlines, never sleep blindly.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../lib/events/envelope.ts';
import { getService } from '../../lib/registry/index.ts';
import { intentId } from '../../lib/scheduler/names.ts';
import { type IntentRecord, SchedulerService } from '../../lib/scheduler/service.ts';
import { EntityStore, staticPolicies } from '../../lib/store/entity-store.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { BusTap } from './support/bus-tap.ts';
import { api, dynamo, eventually, table } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';

const FIRE_DEADLINE = 75_000;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const u = () => randomUUID().slice(0, 8);

type Intent = IntentRecord;
type ErrorBody = { error: { code: string; details?: { issues?: Array<{ path: string }> } } };

async function campaign(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: `sched ${u()}`, ...extra } });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

async function schedule(body: Record<string, unknown>) {
  return api<Intent & ErrorBody>('POST', '/api/scheduler/intents', { body });
}

async function intentsOf(entityId: string): Promise<Intent[]> {
  const r = await api<{ items: Intent[] }>('GET', `/api/scheduler/intents?entity_id=${entityId}`);
  expect(r.status, r.text).toBe(200);
  return r.body.items;
}

async function waitStatus(
  entityId: string,
  id: string,
  statuses: string[],
  timeout = FIRE_DEADLINE,
): Promise<Intent> {
  return eventually(
    async () => (await intentsOf(entityId)).find((i) => i.id === id && statuses.includes(i.status)),
    timeout,
    `intent ${id} to become ${statuses.join('|')}`,
  );
}

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await tap?.close();
});

describe('bad input → 400, nothing scheduled', () => {
  it('names the field for each contract mistake', async () => {
    const id = await campaign();
    const ok = {
      action: 'archive',
      run_at: inSeconds(600),
      pattern: 'p',
      cancel_on: [],
      entity: { type: 'campaign', id },
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, run_at: '2001-01-01T00:00:00Z' }, 'run_at'],
      [{ ...ok, run_at: 'tomorrow-ish' }, 'run_at'],
      [{ ...ok, action: 'explode' }, 'action'],
      [{ ...ok, pattern: '' }, 'pattern'],
      [{ ...ok, cancel_on: 'user.reactivated' }, 'cancel_on'],
      [{ ...ok, cancel_on: ['Not An Event'] }, 'cancel_on[0]'],
      [{ ...ok, entity: { type: 'spaceship', id } }, 'entity.type'],
      [{ ...ok, entity: { type: 'campaign', id: 'no-such-id' } }, 'entity.id'],
    ];
    for (const [body, path] of cases) {
      const r = await schedule(body);
      expect(r.status, `${path}: ${r.text}`).toBe(400);
      expect(r.body.error.details?.issues?.map((i) => i.path)).toContain(path);
    }
    expect(await intentsOf(id)).toEqual([]);
    expect((await api('POST', '/api/scheduler/intents', { as: 'user', body: ok })).status).toBe(403);
  });

  it('a bad scheduler.schedule on the bus yields scheduler.failed with the reason', async () => {
    const id = await campaign();
    const r = await api('POST', '/api/events', {
      body: {
        type: 'scheduler.schedule',
        service: 'campaign',
        entity: { type: 'campaign', id },
        payload: {
          action: 'archive',
          run_at: '2001-01-01T00:00:00Z',
          pattern: 'past',
          entity: { type: 'campaign', id },
        },
      },
    });
    expect(r.status, r.text).toBe(202);
    await tap.waitFor(() => tap.eventsFor(id).some((e) => e.detailType === 'scheduler.failed'), 30_000);
    const failed = tap.eventsFor(id).find((e) => e.detailType === 'scheduler.failed');
    expect(String(failed?.envelope.payload?.reason)).toMatch(/run_at/);
    expect(await intentsOf(id)).toEqual([]);
  });
});

describe.concurrent('intents', () => {
  it('fires once: the action runs, events follow, the schedule is gone', async () => {
    const id = await campaign();
    const r = await schedule({
      action: 'archive',
      run_at: inSeconds(20),
      pattern: 'fire-once',
      cancel_on: ['policy_override'],
      entity: { type: 'campaign', id },
    });
    expect(r.status, r.text).toBe(202);
    expect(r.body.status).toBe('scheduled');
    const viaMetadata = await api<{ metadata: { scheduling?: { intents?: Intent[] } } }>(
      'GET',
      `/api/campaigns/${id}`,
    );
    expect(viaMetadata.body.metadata.scheduling?.intents?.[0]).toMatchObject({
      id: r.body.id,
      status: 'scheduled',
    });

    const done = await waitStatus(id, r.body.id, ['executed', 'failed']);
    expect(done.status).toBe('executed');
    expect(done.attempts).toBe(1);
    type View = { state: string; metadata: { scheduling?: { intents?: Intent[] } } };
    const c = await eventually(
      async () => {
        const r = await api<View>('GET', `/api/campaigns/${id}`);
        return r.body.metadata.scheduling?.intents?.[0]?.status === 'executed' ? r : undefined;
      },
      20_000,
      'metadata.scheduling.intents to show the execution',
    );
    expect(c.body.state).toBe('archived');
    await tap.waitFor(() => tap.eventsFor(id).some((e) => e.detailType === 'scheduler.executed'), 20_000);
    expect(tap.eventsFor(id).filter((e) => e.detailType === 'scheduler.executed')).toHaveLength(1);
    // Archived campaigns are hidden from the default list.
    const listed = await api<{ items: Array<{ id: string }> }>('GET', '/api/campaigns?limit=100');
    expect(listed.body.items.map((i) => i.id)).not.toContain(id);
    const schedules = await new SchedulerClient(awsCfg()).send(
      new ListSchedulesCommand({ GroupName: `tempora-${loadOutputs().environment}` }),
    );
    expect((schedules.Schedules ?? []).map((s) => s.Name)).not.toContain(r.body.schedule_name);
  });

  it('a listed event cancels it: never fires, schedule gone, scheduler.cancelled', async () => {
    const id = await campaign();
    const r = await schedule({
      action: 'archive',
      run_at: inSeconds(25),
      pattern: 'cancel-me',
      cancel_on: ['policy_override'],
      entity: { type: 'campaign', id },
    });
    expect(r.status, r.text).toBe(202);
    // A marker on the same entity, due just after it and not cancelled by the event: once the
    // marker has fired, the cancelled intent's time has passed too (a positive barrier, not a pause).
    const marker = await schedule({
      action: 'run_pattern',
      run_at: new Date(new Date(r.body.run_at).getTime() + 2_000).toISOString(),
      pattern: 'cancel-me-marker',
      cancel_on: [],
      entity: { type: 'campaign', id },
    });
    expect(marker.status, marker.text).toBe(202);
    expect((await api('POST', `/api/campaigns/${id}/extend`)).status).toBe(200);
    await waitStatus(id, r.body.id, ['cancelled'], 20_000);
    await tap.waitFor(() => tap.eventsFor(id).some((e) => e.detailType === 'scheduler.cancelled'), 20_000);
    expect((await waitStatus(id, marker.body.id, ['executed', 'failed'])).status).toBe('executed');
    const after = (await intentsOf(id)).find((i) => i.id === r.body.id);
    expect(after?.status).toBe('cancelled');
    expect((await api<{ state: string }>('GET', `/api/campaigns/${id}`)).body.state).toBe('active');
    const schedules = await new SchedulerClient(awsCfg()).send(
      new ListSchedulesCommand({ GroupName: `tempora-${loadOutputs().environment}` }),
    );
    expect((schedules.Schedules ?? []).map((s) => s.Name)).not.toContain(r.body.schedule_name);
    await tap.waitFor(() => tap.eventsFor(id).some((e) => e.detailType === 'scheduler.executed'), 20_000);
    const executed = tap.eventsFor(id).filter((e) => e.detailType === 'scheduler.executed');
    expect(executed.map((e) => e.envelope.payload?.intent_id)).toEqual([marker.body.id]);
  });

  it('40 intents, 20 cancelled: exactly 20 executed and 20 cancelled', async () => {
    const id = await campaign();
    // In batches of 8 (the emulator runs each Lambda invocation as a process), each due 30 s out.
    const created: Array<Awaited<ReturnType<typeof schedule>>> = [];
    for (let i = 0; i < 40; i += 8) {
      const batch = Array.from({ length: 8 }, (_, j) =>
        schedule({
          action: 'run_pattern',
          run_at: inSeconds(30),
          pattern: `batch-${i + j}`,
          cancel_on: [],
          entity: { type: 'campaign', id },
        }),
      );
      created.push(...(await Promise.all(batch)));
    }
    for (const r of created) expect(r.status, r.text).toBe(202);
    const cancels = await Promise.all(
      created.slice(0, 20).map((r) => api('DELETE', `/api/scheduler/intents/${r.body.id}`)),
    );
    for (const c of cancels) expect(c.status, c.text).toBe(200);
    const final = await eventually(
      async () => {
        const all = await intentsOf(id);
        return all.length === 40 && all.every((i) => ['executed', 'cancelled', 'failed'].includes(i.status))
          ? all
          : undefined;
      },
      FIRE_DEADLINE + 30_000,
      'all 40 intents to finish',
    );
    const count = (s: string) => final.filter((i) => i.status === s).length;
    expect({ executed: count('executed'), cancelled: count('cancelled'), failed: count('failed') }).toEqual({
      executed: 20,
      cancelled: 20,
      failed: 0,
    });
    const cancelledIds = new Set(created.slice(0, 20).map((r) => r.body.id));
    expect(final.filter((i) => i.status === 'cancelled').every((i) => cancelledIds.has(i.id))).toBe(true);
    await tap.waitFor(
      () => tap.eventsFor(id).filter((e) => e.detailType === 'pattern.run').length >= 20,
      30_000,
    );
    expect(tap.eventsFor(id).filter((e) => e.detailType === 'pattern.run')).toHaveLength(20);
  });

  it('the same scheduler.schedule event delivered twice yields one schedule', async () => {
    const id = await campaign();
    const out = loadOutputs();
    const envelope = buildEnvelope({
      type: 'scheduler.schedule',
      service: 'campaign',
      environment: out.environment,
      correlationId: `dup-${u()}`,
      actor: { id: 'dev-admin', role: 'admin' },
      entity: { type: 'campaign', id, version: 1 },
      payload: {
        action: 'run_pattern',
        // Within the dev stack's 2-minute horizon: its schedule is made at once.
        run_at: inSeconds(100),
        pattern: 'dup',
        cancel_on: [],
        entity: { type: 'campaign', id },
      },
    });
    const eb = new EventBridgeClient(awsCfg());
    const entry = {
      EventBusName: out.eventBusName,
      Source: envelope.source,
      DetailType: envelope.type,
      Detail: JSON.stringify(envelope),
    };
    await eb.send(new PutEventsCommand({ Entries: [entry] }));
    await eb.send(new PutEventsCommand({ Entries: [entry] }));
    // A marker event sent after both copies (a positive barrier, not a pause): the emulator runs
    // a function's invocations one at a time, started in the order the events arrive, so once
    // the marker's intent exists the copies sent before it have been handled.
    const markerEnvelope = buildEnvelope({
      type: 'scheduler.schedule',
      service: 'campaign',
      environment: out.environment,
      correlationId: `dup-marker-${u()}`,
      actor: { id: 'dev-admin', role: 'admin' },
      entity: { type: 'campaign', id, version: 1 },
      payload: { ...envelope.payload, pattern: 'dup-marker' },
    });
    await eb.send(new PutEventsCommand({ Entries: [{ ...entry, Detail: JSON.stringify(markerEnvelope) }] }));
    const intent = await eventually(
      async () => (await intentsOf(id)).find((i) => i.pattern === 'dup'),
      20_000,
      'the intent',
    );
    await eventually(
      async () => (await intentsOf(id)).find((i) => i.pattern === 'dup-marker'),
      20_000,
      'the marker intent',
    );
    const after = (await intentsOf(id)).filter((i) => i.pattern === 'dup');
    expect(after).toHaveLength(1);
    expect(after[0]?.generation).toBe(1);
    expect(intent.id).toBe(intentId('campaign', id, 'dup'));
    const schedules = await new SchedulerClient(awsCfg()).send(
      new ListSchedulesCommand({ GroupName: `tempora-${out.environment}`, NamePrefix: intent.schedule_name }),
    );
    expect(schedules.Schedules ?? []).toHaveLength(1);
    await api('DELETE', `/api/scheduler/intents/${intent.id}`);
  });
});

describe('cancel and fire racing end in exactly one outcome', () => {
  /** The scheduler library against the deployed tables, with an action we hold open. */
  function harness() {
    const out = loadOutputs();
    const campaignService = getService('campaign');
    const store = new EntityStore(
      campaignService,
      {
        entity: table('campaign'),
        master: table('metadataMaster'),
        outbox: table('nexusOutbox'),
        index: table('metadataIndex'),
      },
      out.environment,
      dynamo(),
      staticPolicies,
    );
    let release: () => void = () => {};
    let signalStarted: () => void = () => {};
    const started = new Promise<void>((r) => {
      signalStarted = r;
    });
    const held = new Promise<void>((r) => {
      release = r;
    });
    const service = new SchedulerService(
      {
        ddb: dynamo(),
        tables: { intents: table('schedulerIntents'), outbox: table('nexusOutbox') },
        environment: out.environment,
        schedules: { upsert: async () => {}, remove: async () => {} },
        storeFor: (t) => (t === 'campaign' ? store : undefined),
      },
      async () => {
        signalStarted();
        await held;
      },
    );
    return { service, started, release: () => release() };
  }

  it('a cancel arriving while the executor runs is refused (409): the outcome is executed', async () => {
    const id = await campaign();
    const r = await schedule({
      action: 'run_pattern',
      run_at: inSeconds(3600),
      pattern: 'race-1',
      cancel_on: [],
      entity: { type: 'campaign', id },
    });
    expect(r.status, r.text).toBe(202);
    const h = harness();
    const firing = h.service.fire(r.body.id, r.body.generation);
    await h.started; // the executor holds the intent (status executing)
    const cancel = await api<ErrorBody>('DELETE', `/api/scheduler/intents/${r.body.id}`);
    expect(cancel.status, cancel.text).toBe(409);
    h.release();
    expect(await firing).toBe('executed');
    expect((await intentsOf(id)).find((i) => i.id === r.body.id)?.status).toBe('executed');
  });

  it('a fire arriving after a cancel does nothing: the outcome is cancelled', async () => {
    const id = await campaign();
    const r = await schedule({
      action: 'run_pattern',
      run_at: inSeconds(3600),
      pattern: 'race-2',
      cancel_on: [],
      entity: { type: 'campaign', id },
    });
    expect((await api('DELETE', `/api/scheduler/intents/${r.body.id}`)).status).toBe(200);
    const h = harness();
    h.release();
    expect(await h.service.fire(r.body.id, r.body.generation)).toBe('skipped');
    expect((await intentsOf(id)).find((i) => i.id === r.body.id)?.status).toBe('cancelled');
    expect((await api('DELETE', `/api/scheduler/intents/${r.body.id}`)).status).toBe(409);
    expect((await api('DELETE', '/api/scheduler/intents/int_nope')).status).toBe(404);
  });
});

describe('policy retention: the 90-day user flow with the clock brought near', () => {
  // Retention follows the data: a user account takes the user row's retention, whoever creates
  // it (here an admin). The seeded row (P90D) is put back afterwards.
  const ROW = '/api/policies/user/dev/user';
  let seeded: Record<string, unknown> | undefined;
  beforeAll(async () => {
    const r = await api<{ items: Array<Record<string, unknown>> }>('GET', '/api/policies?environment=dev');
    expect(r.status, r.text).toBe(200);
    seeded = r.body.items.find((row) => row.id === 'user/dev/user');
  });
  afterAll(async () => {
    if (seeded) {
      const { retention, access, validation, exposure } = seeded;
      await api('PUT', ROW, { body: { retention, access, validation, exposure } });
    } else await api('DELETE', ROW);
  });

  it('creating a user schedules its deletion; reactivate cancels and reschedules; it runs once; the audit tells the story', async () => {
    const put = await api('PUT', ROW, {
      body: { retention: 'PT25S', access: 'full', validation: 'strict', exposure: 'full' },
    });
    expect(put.status, put.text).toBe(200);
    // Wait for the policy cache TTL: a new user's master row carries the short retention.
    const userId = await eventually(
      async () => {
        const r = await api<{ id: string }>('POST', '/api/users', {
          body: { email: `r${u()}@example.com`, username: `ret_${u()}` },
        });
        expect(r.status, r.text).toBe(201);
        const intents = await eventually(
          async () => {
            const items = await intentsOf(r.body.id);
            return items.length ? items : undefined;
          },
          8000,
          'a retention intent',
        ).catch(() => undefined);
        if (!intents) {
          await api('DELETE', `/api/users/${r.body.id}`);
          return undefined;
        }
        return r.body.id;
      },
      40_000,
      'the short retention policy to apply',
    );
    const first = (await intentsOf(userId)).find((i) => i.pattern === 'retention');
    expect(first).toMatchObject({
      action: 'delete',
      status: 'scheduled',
      cancel_on: ['user.reactivated', 'policy_override'],
      generation: 1,
    });

    // Reactivation cancels the pending deletion and schedules a fresh one.
    expect((await api('POST', `/api/users/${userId}/reactivate`)).status).toBe(200);
    await eventually(
      async () => {
        const i = (await intentsOf(userId)).find((x) => x.pattern === 'retention');
        return i && i.generation === 2 && i.status === 'scheduled' ? i : undefined;
      },
      30_000,
      'a fresh retention intent after reactivation',
    );
    await tap.waitFor(
      () => tap.eventsFor(userId).some((e) => e.detailType === 'scheduler.cancelled'),
      20_000,
    );

    // The fresh one runs: the user, its master row and its index rows are gone.
    await eventually(
      async () => ((await api('GET', `/api/users/${userId}`)).status === 404 ? true : undefined),
      FIRE_DEADLINE + 30_000,
      'the user to be deleted',
    );
    const done = (await intentsOf(userId)).find((i) => i.pattern === 'retention');
    expect(done?.status).toBe('executed');
    await tap.waitFor(
      () =>
        ['user.deleted', 'scheduler.executed'].every((t) =>
          tap.eventsFor(userId).some((e) => e.detailType === t),
        ),
      20_000,
    );

    // The audit trail returns the whole story, in order.
    const story = await eventually(
      async () => {
        const r = await api<{ items: Array<{ type: string; occurred_at: string }> }>(
          'GET',
          `/api/security/audits?entity_id=${userId}&limit=500`,
        );
        const types = r.body.items.map((i) => i.type);
        return types.includes('user.deleted') && types.includes('scheduler.executed')
          ? r.body.items
          : undefined;
      },
      20_000,
      'the audit trail to hold the deletion',
    );
    const types = story.map((i) => i.type);
    expect(types[0]).toBe('user.created');
    for (const t of [
      'scheduler.schedule',
      'user.reactivated',
      'scheduler.cancelled',
      'user.deleted',
      'scheduler.executed',
    ]) {
      expect(types).toContain(t);
    }
    expect(types.indexOf('user.reactivated')).toBeLessThan(types.indexOf('user.deleted'));
    const times = story.map((i) => i.occurred_at);
    expect([...times].sort()).toEqual(times);
    const bad = await api<ErrorBody>('GET', '/api/security/audits');
    expect(bad.status).toBe(400);
  });
});

const awsCfg = emulatorClientConfig;
