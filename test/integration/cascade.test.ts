/**
 * Cascades (issue 12, item 3), on the emulator: deleting an entity — by a client or by a
 * scheduled delete — cancels its other pending intents (`scheduler.cancelled`, reason
 * `entity_deleted`, in the deletion's story), and their schedules are gone, so nothing fires on
 * the deleted entity. Proven by positive signals (the events, the intents' status, the schedule
 * list), never by waiting for nothing.
 */
import { randomUUID } from 'node:crypto';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntentRecord } from '../../lib/scheduler/service.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { BusTap } from './support/bus-tap.ts';
import { createCampaign } from './support/campaigns.ts';
import { api, eventually } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const u = () => randomUUID().slice(0, 8);

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await tap?.close();
});

const campaign = () => createCampaign('cascade');

async function schedule(id: string, action: string, pattern: string, runInSeconds: number): Promise<string> {
  const r = await api<IntentRecord>('POST', '/api/scheduler/intents', {
    body: {
      action,
      run_at: inSeconds(runInSeconds),
      pattern,
      cancel_on: [],
      entity: { type: 'campaign', id },
    },
  });
  expect(r.status, r.text).toBe(202);
  return r.body.id;
}

const intentsOf = async (id: string) =>
  (await api<{ items: IntentRecord[] }>('GET', `/api/scheduler/intents?entity_id=${id}`)).body.items;

/** Names of the schedules of the stack's group (the emulator's Scheduler). */
async function scheduleNames(): Promise<string[]> {
  const client = new SchedulerClient(emulatorClientConfig());
  const out = await client.send(
    new ListSchedulesCommand({ GroupName: `tempora-${loadOutputs().environment}` }),
  );
  return (out.Schedules ?? []).map((s) => s.Name ?? '');
}

/** Every listed intent ends cancelled with reason entity_deleted, each with its event. */
async function expectCancelledByDeletion(id: string, intentIds: string[], correlationId?: string) {
  const cancelled = await eventually(
    async () => {
      const all = await intentsOf(id);
      const done = all.filter((i) => intentIds.includes(i.id) && i.status === 'cancelled');
      return done.length === intentIds.length ? done : undefined;
    },
    30_000,
    `intents ${intentIds.join(', ')} cancelled`,
  );
  for (const i of cancelled) expect(i.reason).toBe('entity_deleted');
  const events = await tap.waitFor(
    () => tap.eventsFor(id).filter((e) => e.detailType === 'scheduler.cancelled').length >= intentIds.length,
    30_000,
  );
  const mine = events.filter((e) => e.envelope.entity.id === id && e.detailType === 'scheduler.cancelled');
  expect(mine.map((e) => e.envelope.payload?.intent_id).sort()).toEqual([...intentIds].sort());
  for (const e of mine) {
    expect(e.envelope.payload?.reason).toBe('entity_deleted');
    if (correlationId) expect(e.envelope.correlation_id).toBe(correlationId);
  }
  // Their schedules are gone: nothing is left to fire.
  const names = await scheduleNames();
  for (const i of cancelled) expect(names).not.toContain(i.schedule_name);
}

describe.concurrent('deleting an entity cancels its pending intents', () => {
  it('a client delete: every pending intent cancelled, reason entity_deleted, in the delete’s story', async () => {
    const id = await campaign();
    // Within the dev stack's 2-minute horizon, so their schedules exist at once.
    const intents = [
      await schedule(id, 'archive', 'later-archive', 100),
      await schedule(id, 'run_pattern', 'later-nudge', 110),
    ];
    const scheduled = await scheduleNames();
    const records = (await intentsOf(id)).filter((i) => intents.includes(i.id));
    for (const r of records) expect(scheduled).toContain(r.schedule_name);
    const correlationId = `cascade-${u()}`;
    const del = await api('DELETE', `/api/campaigns/${id}`, {
      headers: { 'x-correlation-id': correlationId },
    });
    expect(del.status, del.text).toBe(204);
    await expectCancelledByDeletion(id, intents, correlationId);
  });

  it('a scheduled delete: it executes, and the other pending intents are cancelled', async () => {
    const id = await campaign();
    const deleter = await schedule(id, 'delete', 'soon-delete', 15);
    const others = [
      await schedule(id, 'archive', 'later-archive', 100),
      await schedule(id, 'run_pattern', 'later-nudge', 110),
    ];
    const executed = await eventually(
      async () => (await intentsOf(id)).find((i) => i.id === deleter && i.status === 'executed'),
      75_000,
      'the scheduled delete to execute',
    );
    expect(executed.attempts).toBe(1);
    expect((await api('GET', `/api/campaigns/${id}`)).status).toBe(404);
    await expectCancelledByDeletion(id, others);
  });
});
