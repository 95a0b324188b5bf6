/**
 * Analytics end to end: events counted per day by type, tag and feature from the bus, read
 * back at GET /api/analytics/summary; a redelivered event is not counted twice.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../lib/events/envelope.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { bridgeEventOf } from '../kit/events.ts';
import { BusTap } from './support/bus-tap.ts';
import { api, eventually } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';

interface Summary {
  from: string;
  to: string;
  totals: {
    events: number;
    types: Record<string, number>;
    tags: Record<string, number>;
    features: Record<string, number>;
  };
  days: Array<{ date: string; events: number }>;
}

const rand = () => Math.random().toString(36).slice(2, 8).replace(/[0-9]/g, 'x');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const range = `from=${day(-1)}&to=${day(1)}`;
const summary = () => api<Summary>('GET', `/api/analytics/summary?${range}`);

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await tap?.close();
});

describe('analytics', () => {
  it('counts the events emitted in the test, per type, tag and feature, once each', async () => {
    const r = rand();
    const type = `antest.${r}.ping`;
    const tag = `an-${r}`;
    const feature = `anf-${r}`;
    // 5 events of a type of our own, through POST /api/events.
    for (let i = 0; i < 5; i++) {
      const e = await api('POST', '/api/events', {
        body: { type, service: 'analytics-test', entity: { type: 'probe', id: `p${i}` } },
      });
      expect(e.status, e.text).toBe(202);
    }
    // 3 campaigns with our tag (2 with our feature), then one update: 4 tagged events, 3 with the feature.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await api<{ id: string }>('POST', '/api/campaigns', {
        body: { name: `analytics ${r} ${i}`, metadata: { tags: [tag], features: i < 2 ? [feature] : [] } },
      });
      expect(c.status, c.text).toBe(201);
      ids.push(c.body.id);
    }
    expect(
      (await api('PATCH', `/api/campaigns/${ids[0]}`, { body: { description: 'changed' } })).status,
    ).toBe(200);

    const s = await eventually(
      async () => {
        const res = await summary();
        const t = res.body.totals;
        return t?.types[type] === 5 && t.tags[tag] === 4 && t.features[feature] === 3 ? res : undefined;
      },
      30_000,
      'the counters to reach the emitted events',
    );
    expect(s.status).toBe(200);
    expect(s.body.days.map((d) => d.date)).toEqual([day(-1), day(0), day(1)]);
    expect(s.body.totals.types['campaign.created']).toBeGreaterThanOrEqual(3);

    // The same event delivered again (EventBridge is at least once): not counted twice.
    await tap.waitFor(() => tap.eventsFor(ids[1] ?? '').some((e) => e.detailType === 'campaign.created'));
    const again = tap.eventsFor(ids[1] ?? '').find((e) => e.detailType === 'campaign.created');
    const out = loadOutputs();
    const lambda = new LambdaClient(emulatorClientConfig());
    const res = await lambda.send(
      new InvokeCommand({
        FunctionName: out.stackOutputs.AnalyticsFunctionName,
        Payload: new TextEncoder().encode(
          JSON.stringify(bridgeEventOf(again?.envelope as EventEnvelope, { region: out.region })),
        ),
      }),
    );
    expect(res.FunctionError, new TextDecoder().decode(res.Payload)).toBeUndefined();
    const after = (await summary()).body.totals;
    expect([after.tags[tag], after.features[feature], after.types[type]]).toEqual([4, 3, 5]);
  });

  it('refuses a bad range (400) and callers without read access (403)', async () => {
    for (const qs of [
      'from=2026-03-02&to=2026-03-01',
      'from=2026-01-01&to=2026-06-01',
      'from=yesterday',
      'to=2026-02-30',
    ]) {
      const r = await api('GET', `/api/analytics/summary?${qs}`);
      expect(r.status, qs).toBe(400);
    }
    expect((await api('GET', `/api/analytics/summary?${range}`, { as: 'user' })).status).toBe(403);
    expect((await api('GET', '/api/analytics/summary', { as: null })).status).toBe(401);
  });
});
