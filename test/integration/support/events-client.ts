/**
 * A subscriber of the live campaigns' AppSync Event API for tests, speaking the
 * `aws-appsync-event-ws` protocol over a real `ws` socket, as a browser would: the connection's
 * authorization in a `header-<base64url(json)>` subprotocol, `connection_init` →
 * `connection_ack`, `subscribe` → `subscribe_success | subscribe_error`, then `data` pushes
 * (`event` is one JSON string on AWS; MiniStack has sent a list of them: both are read).
 */
import WebSocket from 'ws';
import { api } from './client.ts';
import type { Received } from './ws-client.ts';

export interface LiveJoin {
  transport: 'websocket' | 'events';
  token: string;
  websocket: { url: string };
  events?: { realtime_url: string; http_host: string; channel: string };
}

/** `GET /api/campaigns/{id}/live` as `as` (default admin). */
export async function liveJoin(campaignId: string, as?: string): Promise<LiveJoin> {
  const r = await api<LiveJoin>('GET', `/api/campaigns/${campaignId}/live`, as ? { token: as } : {});
  if (r.status !== 200) throw new Error(`GET /live answered ${r.status}: ${r.text}`);
  return r.body;
}

const headerProtocol = (auth: Record<string, string>): string =>
  `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`;

export class EventsClient {
  /** Campaign frames received on subscriptions, with their arrival time. */
  readonly received: Received[] = [];
  /** Every protocol message (acks, errors, data), in arrival order. */
  readonly protocol: Array<Record<string, unknown>> = [];
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly auth: Record<string, string>,
  ) {
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as Record<string, unknown>;
      this.protocol.push(msg);
      if (msg.type !== 'data') return;
      for (const e of [msg.event].flat()) {
        if (typeof e === 'string')
          this.received.push({ at: Date.now(), frame: JSON.parse(e) as Received['frame'] });
      }
    });
    ws.on('close', () => {
      this.closed = true;
    });
  }

  /**
   * Connect to `realtimeUrl` with `Authorization: <token>` (or none); resolves once the
   * connection is acknowledged, or with the refusal (`connection_error`, a close) it got.
   */
  static connect(
    realtimeUrl: string,
    httpHost: string,
    token: string | undefined,
  ): Promise<{ ok: true; client: EventsClient } | { ok: false; reason: string }> {
    const auth: Record<string, string> = {
      host: httpHost,
      ...(token === undefined ? {} : { Authorization: token }),
    };
    const ws = new WebSocket(realtimeUrl, ['aws-appsync-event-ws', headerProtocol(auth)]);
    const client = new EventsClient(ws, auth);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), 20_000);
      let done = false;
      const finish = (o: { ok: true; client: EventsClient } | { ok: false; reason: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!o.ok) ws.terminate();
        resolve(o);
      };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { type?: string };
        if (msg.type === 'connection_ack') finish({ ok: true, client });
        else if (msg.type === 'connection_error') finish({ ok: false, reason: String(raw) });
      });
      ws.on('close', (code) => finish({ ok: false, reason: `closed ${code}` }));
      ws.on('error', (e) => finish({ ok: false, reason: e.message }));
      ws.on('unexpected-response', (_q, res) => finish({ ok: false, reason: `HTTP ${res.statusCode}` }));
    });
  }

  /** Join a campaign as `/live` says, connected and subscribed, or fail the test. */
  static async join(joinInfo: LiveJoin, token: string = joinInfo.token): Promise<EventsClient> {
    const events = joinInfo.events;
    if (!events) throw new Error(`the campaign is on the ${joinInfo.transport} transport`);
    const o = await EventsClient.connect(events.realtime_url, events.http_host, token);
    if (!o.ok) throw new Error(`events connection refused: ${o.reason}`);
    const answer = await o.client.subscribe(events.channel);
    if (answer.type !== 'subscribe_success') throw new Error(`subscribe refused: ${JSON.stringify(answer)}`);
    return o.client;
  }

  /** Subscribe to `channel` (with this connection's authorization); resolves to the answer. */
  async subscribe(channel: string, id = `s${this.protocol.length}`): Promise<Record<string, unknown>> {
    this.ws.send(JSON.stringify({ type: 'subscribe', id, channel, authorization: this.auth }));
    return this.answer(id, ['subscribe_success', 'subscribe_error']);
  }

  /** Try to publish over the socket (clients may not: IAM only). */
  async publish(
    channel: string,
    events: unknown[],
    id = `p${this.protocol.length}`,
  ): Promise<Record<string, unknown>> {
    this.ws.send(
      JSON.stringify({
        type: 'publish',
        id,
        channel,
        events: events.map((e) => JSON.stringify(e)),
        authorization: this.auth,
      }),
    );
    return this.answer(id, ['publish_success', 'publish_error']);
  }

  states(): Array<Received & { seq: number }> {
    return this.received
      .filter((r) => r.frame.type === 'campaign.state')
      .map((r) => ({ ...r, seq: Number(r.frame.seq) }));
  }

  async waitFor<T>(
    predicate: (received: Received[]) => T | undefined | false,
    timeoutMs = 15_000,
    what = 'frames',
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate(this.received);
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await new Promise((r) => setTimeout(r, 50));
    this.ws.terminate();
  }

  private async answer(id: string, types: string[]): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const a = this.protocol.find((m) => m.id === id && types.includes(String(m.type)));
      if (a) return a;
      if (Date.now() > deadline) throw new Error(`no ${types.join('/')} for ${id}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
