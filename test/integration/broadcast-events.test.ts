/**
 * Live campaigns on the `events` transport (docs/broadcast.md): the AppSync Event API the local
 * deploy made (localstack/event-api.ts), its Lambda authorizer, one publish per tick, and a
 * campaign that `auto` moves from the websocket transport to events while on the air. Clients
 * speak the real `aws-appsync-event-ws` protocol over `ws` (support/events-client.ts).
 *
 * The ticker function's configuration is changed from outside for this file (as an operator
 * would), and restored after: 10 s bursts, so its metrics (EMF lines, written to CloudWatch Logs
 * when an invocation ends) can be read within the test; and an `auto` threshold of 10 posts/s
 * (AUTO_EVENTS_SHARE 0.002 of the 5,000/s posting budget), so three clients at 5 Hz are "many".
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignStateFrameSchema, campaignTransportFrameSchema } from '../../lib/broadcast/frame.ts';
import { SWITCH_OVERLAP_MS } from '../../lib/broadcast/transport.ts';
import { createLiveCampaign } from './support/campaigns.ts';
import { api, eventually } from './support/client.ts';
import { EventsClient, liveJoin } from './support/events-client.ts';
import { patchEnvironment } from './support/faults.ts';
import { emfRecords, metricValues, sum } from './support/metrics.ts';
import { loadOutputs } from './support/outputs.ts';
import { tokenFor } from './support/tokens.ts';
import { LiveClient } from './support/ws-client.ts';

const HZ = 5;
const SUBSCRIBERS = 20;
const ticker = (): string => loadOutputs().stackOutputs.BroadcastTickerFunctionName ?? '';
const campaigns: string[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
let restore: (() => Promise<void>) | undefined;

beforeAll(async () => {
  expect(loadOutputs().eventsRealtimeUrl, 'the Event API (localstack/event-api.ts)').toBeDefined();
  restore = await patchEnvironment(ticker(), { TICK_BURST_SECONDS: '10', AUTO_EVENTS_SHARE: '0.002' });
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await Promise.all(campaigns.map((id) => api('DELETE', `/api/campaigns/${id}`)));
  await restore?.();
});

async function campaign(name: string, transport?: 'events' | 'websocket'): Promise<string> {
  const id = await createLiveCampaign(name, {
    hz: HZ,
    metadata: {
      service_specific: { campaign: { broadcast_enabled: true, ...(transport ? { transport } : {}) } },
    },
  });
  campaigns.push(id);
  return id;
}

/** `/live` until the campaign's broadcaster says it uses `transport`. */
const onTransport = (id: string, transport: 'websocket' | 'events', as?: string) =>
  eventually(
    async () => {
      const j = await liveJoin(id, as);
      return j.transport === transport ? j : undefined;
    },
    60_000,
    `campaign ${id} on the ${transport} transport`,
  );

const strictlyIncreasing = (seqs: number[]): boolean =>
  seqs.every((s, k) => k === 0 || s > (seqs[k - 1] ?? 0));

describe('the events transport', () => {
  it(`${SUBSCRIBERS} subscribers at ${HZ} Hz each get ≥ 95 % of the frames, seq strictly increasing; one publish per tick`, async () => {
    const since = Date.now();
    const id = await campaign('events-fanout', 'events');
    await onTransport(id, 'events');
    const subscribers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, async (_, i) => {
        const join = await liveJoin(id, await tokenFor(`ev-sub-${i}-${id.slice(-6)}`, 'user'));
        const c = await EventsClient.join(join);
        closers.push(c);
        return c;
      }),
    );
    await Promise.all(subscribers.map((c) => c.waitFor((r) => r.length > 0, 30_000, 'a first frame')));
    const seen = subscribers.map((c) => c.states().length);
    await Promise.all(
      subscribers.map((c, i) =>
        c.waitFor(() => c.states().length >= (seen[i] ?? 0) + 50, 60_000, '50 frames'),
      ),
    );
    const shares: number[] = [];
    for (const c of subscribers) {
      const states = c.states();
      const seqs = states.map((s) => s.seq);
      for (const s of states.slice(0, 3)) campaignStateFrameSchema.parse(s.frame);
      expect(strictlyIncreasing(seqs), `seq ${seqs.join(',')}`).toBe(true);
      const span = (seqs.at(-1) ?? 0) - (seqs[0] ?? 0) + 1;
      shares.push(seqs.length / span);
    }
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.95);

    // The broadcaster's own metrics (its EMF lines): exactly one publish per tick it emitted.
    const metrics = await eventually(
      async () => {
        const records = await emfRecords(ticker(), since, { campaign_id: id });
        const ticks = metricValues(records, 'TickLateness').length;
        return ticks >= 40 ? records : undefined;
      },
      60_000,
      'the ticker metrics of 40 ticks (written when a 10 s burst ends)',
    );
    const ticks = metricValues(metrics, 'TickLateness').length;
    const publishes = sum(metricValues(metrics, 'EventsPublished'));
    expect(publishes).toBe(ticks);
    expect(sum(metricValues(metrics, 'PostsFailed'))).toBe(0);
    console.info(
      `[broadcast-events] subscribers=${SUBSCRIBERS} hz=${HZ} frames_each=${subscribers.map((c) => c.states().length).join('/')} ` +
        `least_share=${Math.min(...shares).toFixed(3)} ticks=${ticks} publishes=${publishes} publishes_per_tick=${(publishes / ticks).toFixed(2)}`,
    );
  });

  it('the authorizer refuses a missing, forged or expired token, a live token for another campaign, and any client publish', async () => {
    const id = await campaign('events-refusals', 'events');
    const other = await campaign('events-other', 'events');
    const join = await onTransport(id, 'events');
    const events = join.events;
    if (!events) throw new Error('no events join');
    const connect = (token?: string) => EventsClient.connect(events.realtime_url, events.http_host, token);
    expect((await connect(undefined)).ok).toBe(false);
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer('tempora')
      .setAudience('tempora-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-stack-key-not-the-stack-key'));
    expect((await connect(forged)).ok).toBe(false);
    const expired = await api<{ token: string }>('GET', `/api/campaigns/${id}/live`);
    expect((await connect(`${expired.body.token.slice(0, -4)}AAAA`)).ok).toBe(false);

    // A live token is for its own campaign's channel only.
    const ok = await connect(join.token);
    if (!ok.ok) throw new Error(ok.reason);
    closers.push(ok.client);
    expect((await ok.client.subscribe(`/campaigns/${id}`)).type).toBe('subscribe_success');
    expect((await ok.client.subscribe(`/campaigns/${other}`)).type).toBe('subscribe_error');
    expect((await ok.client.subscribe('/campaigns/*')).type).toBe('subscribe_error');
    // Publishing is the broadcaster's (IAM): refused over the socket and over HTTP.
    expect((await ok.client.publish(`/campaigns/${id}`, [{ type: 'campaign.state', seq: 1 }])).type).toBe(
      'publish_error',
    );
    const httpUrl = loadOutputs().eventsHttpUrl ?? '';
    const r = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: join.token },
      body: JSON.stringify({ channel: `/campaigns/${id}`, events: ['{"type":"campaign.state","seq":1}'] }),
    });
    expect(r.status).toBe(401);
    // /live itself: 404 for an unknown campaign, 401 without a token.
    expect((await api('GET', '/api/campaigns/01JNOSUCHCAMPAIGN000000000/live')).status).toBe(404);
    expect((await api('GET', `/api/campaigns/${id}/live`, { as: null })).status).toBe(401);
  });

  it('auto: a campaign moves from websocket to events on the air, clients told by a campaign.transport frame, no seq going back', async () => {
    const id = await campaign('events-auto');
    const first = await LiveClient.join(id, `auto-a-${id.slice(-6)}`);
    closers.push(first);
    await first.waitFor((r) => r.some((f) => f.frame.type === 'campaign.state'), 60_000, 'a websocket frame');
    expect((await liveJoin(id)).transport).toBe('websocket'); // 5 posts/s: under the threshold
    // Two more clients: 15 posts/s, over the 10/s threshold: the broadcaster switches.
    const more = await Promise.all(['b', 'c'].map((u) => LiveClient.join(id, `auto-${u}-${id.slice(-6)}`)));
    closers.push(...more);
    const notice = await first.waitFor(
      (r) => r.find((f) => f.frame.type === 'campaign.transport'),
      30_000,
      'the campaign.transport frame',
    );
    const frame = campaignTransportFrameSchema.parse(notice.frame);
    expect(frame.transport).toBe('events');
    const join = await onTransport(id, 'events');
    expect(join.events?.channel).toBe(frame.events?.channel);
    // The client moves: it subscribes where the frame says, and keeps every seq once, in order.
    const moved = await EventsClient.join(join);
    closers.push(moved);
    await moved.waitFor(() => moved.states().length >= 10, 30_000, '10 frames on events');
    const wsSeqs = first.states().map((s) => s.seq);
    const eventSeqs = moved.states().map((s) => s.seq);
    expect(strictlyIncreasing(wsSeqs), `websocket seq ${wsSeqs.join(',')}`).toBe(true);
    expect(strictlyIncreasing(eventSeqs), `events seq ${eventSeqs.join(',')}`).toBe(true);
    // Every frame on events is at or after the switch's seq, and a seq both transports carried
    // (the overlap) is the same frame on both: a client dropping a seq it saw loses nothing.
    expect(eventSeqs[0] ?? 0).toBeGreaterThanOrEqual(frame.seq);
    const onWs = new Map(first.states().map((s) => [s.seq, JSON.stringify(s.frame)]));
    for (const s of moved.states()) {
      const twin = onWs.get(s.seq);
      if (twin !== undefined) expect(JSON.stringify(s.frame)).toBe(twin);
    }
    // The websocket transport carries the frames for the switch's overlap only (3 s), then none.
    const switchedAt = Date.parse(frame.ts);
    const stamp = (f: { frame: Record<string, unknown> }) => Date.parse(String(f.frame.ts));
    await moved.waitFor(
      () => moved.states().some((f) => stamp(f) > switchedAt + SWITCH_OVERLAP_MS + 2_000),
      30_000,
      'events frames 2 s past the overlap',
    );
    const late = first.states().filter((f) => stamp(f) > switchedAt + SWITCH_OVERLAP_MS + 1000 / HZ);
    expect(late.map((f) => f.seq)).toEqual([]);
    console.info(
      `[broadcast-events] auto switch at seq ${frame.seq}: websocket ${wsSeqs.at(0)}..${wsSeqs.at(-1)}, events ${eventSeqs.at(0)}..${eventSeqs.at(-1)}`,
    );
  });
});
