/**
 * The Transport port's pieces (lib/broadcast/transport.ts and its adapters), the transport
 * choice, channels and the join answer: pure, or over in-memory publishes and posts.
 */
import { describe, expect, it } from 'vitest';
import { campaignOfChannel, channelOf, deltaChannelOf } from '../../../lib/broadcast/channels.ts';
import { PublishError, type PublishResult } from '../../../lib/broadcast/events-publish.ts';
import { EventsTransport } from '../../../lib/broadcast/events-transport.ts';
import { campaignTransportFrameSchema } from '../../../lib/broadcast/frame.ts';
import { joinInfo, transportFrame } from '../../../lib/broadcast/join.ts';
import { TransportSwitch } from '../../../lib/broadcast/transport.ts';
import { chooseTransport, transportSettingOf } from '../../../lib/broadcast/transport-choice.ts';
import { WebsocketTransport } from '../../../lib/broadcast/websocket-transport.ts';

const ID = '01JCAMPAIGN0000000000000000';

/** A publish the test settles by hand, recording what was published in order. */
function manualPublish() {
  const published: string[] = [];
  const waiting: Array<(r: PublishResult | Error) => void> = [];
  const publish = (_channel: string, events: readonly string[]) =>
    new Promise<PublishResult>((resolve, reject) => {
      published.push(...events);
      waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
    });
  const settle = async (r: PublishResult | Error = 'ok') => {
    waiting.shift()?.(r);
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return {
    published,
    publish,
    settle,
    get waiting() {
      return waiting.length;
    },
  };
}

describe('EventsTransport', () => {
  it('publishes one frame per send, one publish at a time, in order', async () => {
    const p = manualPublish();
    const t = new EventsTransport('/campaigns/x', p.publish);
    expect(t.send({ seq: 1, text: 'f1' })).toEqual({ targeted: 1, started: 1, dropped: 0, thinned: 0 });
    expect(p.waiting).toBe(1);
    await p.settle();
    t.send({ seq: 2, text: 'f2' });
    await p.settle();
    expect(p.published).toEqual(['f1', 'f2']);
    expect(t.totals()).toMatchObject({ sent: 2, publishes: 2, dropped: 0, failed: 0 });
  });

  it('a slow publish: the next frame waits, a newer one replaces it (dropped), nothing is published out of order', async () => {
    const p = manualPublish();
    const t = new EventsTransport('/campaigns/x', p.publish);
    t.send({ seq: 1, text: 'f1' });
    expect(t.send({ seq: 2, text: 'f2' }).started).toBe(0);
    expect(t.send({ seq: 3, text: 'f3' }).dropped).toBe(1); // f2 replaced
    expect(p.waiting).toBe(1);
    await p.settle();
    await p.settle();
    await t.drain();
    expect(p.published).toEqual(['f1', 'f3']);
    expect(t.totals()).toMatchObject({ sent: 2, publishes: 2, dropped: 1 });
  });

  it('counts throttled and failed publishes, never throws, and goes on', async () => {
    const p = manualPublish();
    const logged: string[] = [];
    const t = new EventsTransport('/campaigns/x', p.publish, { log: (_l, m) => logged.push(m) });
    t.send({ seq: 1, text: 'f1' });
    await p.settle('throttled');
    t.send({ seq: 2, text: 'f2' });
    await p.settle(new PublishError('publish answered 500', 500, 'Http500'));
    t.send({ seq: 3, text: 'f3' });
    await p.settle();
    expect(t.totals()).toMatchObject({ sent: 1, throttled: 1, failed: 1, publishes: 3 });
    expect(logged).toEqual(['publish failed']);
  });

  it('a notice goes after the frames before it and is not counted as a frame publish', async () => {
    const p = manualPublish();
    const t = new EventsTransport('/campaigns/x', p.publish);
    t.send({ seq: 1, text: 'f1' });
    const notice = t.notice('stopped');
    await p.settle();
    await p.settle();
    await notice;
    expect(p.published).toEqual(['f1', 'stopped']);
    expect(t.totals().publishes).toBe(1);
  });
});

describe('TransportSwitch', () => {
  it('sends to the new transport at once and to the old one until the overlap ends', async () => {
    const posts: Array<[string, string]> = [];
    const ws = new WebsocketTransport(ID, {
      post: async (id, data) => {
        posts.push([id, String(data)]);
        return 'ok';
      },
      removeConnection: async () => undefined,
    });
    ws.setAudience(['a']);
    const p = manualPublish();
    const events = new EventsTransport('/campaigns/x', p.publish);
    const s = new TransportSwitch(ws);
    s.send({ seq: 1, text: 'f1' }, 0);
    await ws.drain();
    s.switchTo(events, 100, 3000);
    expect(s.active).toBe(events);
    s.send({ seq: 2, text: 'f2' }, 200);
    await p.settle();
    expect(s.leaving(3099)).toBe(ws);
    expect(s.leaving(3100)).toBeUndefined();
    s.send({ seq: 3, text: 'f3' }, 3200);
    await p.settle();
    await ws.drain();
    expect(posts.map(([, f]) => f)).toEqual(['f1', 'f2']);
    expect(p.published).toEqual(['f2', 'f3']);
  });
});

describe('chooseTransport', () => {
  const base = {
    current: 'websocket' as const,
    demand: 100,
    autoThreshold: 2500,
    oversubscribed: false,
    eventsAvailable: true,
  };

  it('an explicit setting wins; events only where the stack has an Event API', () => {
    expect(chooseTransport({ ...base, setting: 'events' })).toEqual({ kind: 'events', reason: 'setting' });
    expect(chooseTransport({ ...base, setting: 'websocket', demand: 1e6 })).toEqual({
      kind: 'websocket',
      reason: 'setting',
    });
    expect(chooseTransport({ ...base, setting: 'events', eventsAvailable: false })).toEqual({
      kind: 'websocket',
      reason: 'events_unavailable',
    });
  });

  it('auto: events above the threshold or when the share is oversubscribed, and stays there for the run', () => {
    expect(chooseTransport({ ...base, setting: 'auto' }).kind).toBe('websocket');
    expect(chooseTransport({ ...base, setting: 'auto', demand: 2501 })).toEqual({
      kind: 'events',
      reason: 'over_threshold',
    });
    expect(chooseTransport({ ...base, setting: 'auto', oversubscribed: true })).toEqual({
      kind: 'events',
      reason: 'share_oversubscribed',
    });
    expect(chooseTransport({ ...base, setting: 'auto', oversubscribed: true, demand: 0 }).kind).toBe(
      'websocket',
    );
    expect(chooseTransport({ ...base, setting: 'auto', current: 'events', demand: 0 })).toEqual({
      kind: 'events',
      reason: 'stays_events',
    });
  });

  it('the setting is service_specific.campaign.transport, auto when absent or unknown', () => {
    const of = (t: unknown) => transportSettingOf({ service_specific: { campaign: { transport: t } } });
    expect(of('events')).toBe('events');
    expect(of('websocket')).toBe('websocket');
    expect(of('carrier-pigeon')).toBe('auto');
    expect(transportSettingOf(undefined)).toBe('auto');
  });
});

describe('channels and the join answer', () => {
  it('a campaign id that is a channel segment is its channel; others have none', () => {
    expect(channelOf(ID)).toBe(`/campaigns/${ID}`);
    expect(campaignOfChannel(`/campaigns/${ID}`)).toBe(ID);
    expect(campaignOfChannel(`/campaigns/${ID}/`)).toBe(ID);
    expect(deltaChannelOf(ID)).toBe(`/campaigns/${ID}/delta`);
    expect(campaignOfChannel(`/campaigns/${ID}/delta`)).toBe(ID);
    expect(campaignOfChannel(`/campaigns/${ID}/other`)).toBeUndefined();
    for (const bad of ['/campaigns/*', '/other/x', '/campaigns/a/b', '/campaigns/-a', ''])
      expect(campaignOfChannel(bad)).toBeUndefined();
    expect(channelOf('has_underscore')).toBeUndefined();
    expect(channelOf('x'.repeat(51))).toBeUndefined();
  });

  it('joinInfo names the events endpoints only on the events transport; the transport frame carries it', () => {
    const events = {
      apiId: 'ev1',
      publishUrl: 'https://ev1.appsync-api.eu-west-1.amazonaws.com',
      publishHost: 'ev1.appsync-api.eu-west-1.amazonaws.com',
      realtimeUrl: 'wss://ev1.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
      httpHost: 'ev1.appsync-api.eu-west-1.amazonaws.com',
      httpUrl: 'https://ev1.appsync-api.eu-west-1.amazonaws.com/event',
    };
    const endpoints = { webSocketUrl: 'wss://ws.example/live', events };
    expect(joinInfo(ID, 'websocket', endpoints)).toEqual({
      transport: 'websocket',
      websocket: { url: 'wss://ws.example/live' },
    });
    const join = joinInfo(ID, 'events', endpoints);
    expect(join.events).toEqual({
      realtime_url: events.realtimeUrl,
      http_host: events.httpHost,
      channel: `/campaigns/${ID}`,
    });
    expect(joinInfo(ID, 'events', { ...endpoints, events: undefined }).transport).toBe('websocket');
    const frame = campaignTransportFrameSchema.parse(
      JSON.parse(transportFrame({ campaignId: ID, seq: 42, ts: 0, join })),
    );
    expect(frame).toMatchObject({ type: 'campaign.transport', seq: 42, transport: 'events' });
  });
});
