/**
 * The `events` transport: a frame is one publish to the campaign's AppSync Events channel, and
 * AWS delivers it to every subscriber. The broadcaster's work per tick no longer grows with
 * the audience, and nothing counts against API Gateway's account throttle.
 *
 * Publishes go one at a time, in order: two publishes in flight could reach subscribers in
 * either order, and a client would then drop the late, older one. A tick whose publish finds the
 * previous one still in flight waits as the one pending frame; a newer tick replaces it (the
 * replaced frame is dropped and counted, like a busy connection's frame on the websocket
 * transport), so a slow publish delays the latest state by at most its own latency and never
 * builds a backlog. A publish that fails or is throttled is counted and never retried: the next
 * tick carries the newer state.
 */
import { type Publish, PublishError } from './events-publish.ts';
import type { BroadcastLog } from './tick-sender.ts';
import {
  addTotals,
  type OutFrame,
  type SendStats,
  type Transport,
  type TransportTotals,
  ZERO_TOTALS,
} from './transport.ts';

export interface EventsTransportOptions {
  log?: BroadcastLog;
  /** Which text of a tick this channel carries: the full frame (default) or the delta. */
  carries?: 'text' | 'delta';
}

export class EventsTransport implements Transport {
  readonly kind = 'events';
  readonly #channel: string;
  readonly #publish: Publish;
  readonly #log: BroadcastLog;
  readonly #carries: 'text' | 'delta';
  readonly #totals: TransportTotals = { ...ZERO_TOTALS };
  #inFlight: Promise<void> | undefined;
  /** A frame of this channel was lost (dropped, throttled, failed): the next one is full. */
  #gap = false;
  /** The frame waiting for the publish in flight: `notice` frames are never replaced. */
  #pending: { frame: string; tick: boolean } | undefined;
  #idle: Array<() => void> = [];

  constructor(channel: string, publish: Publish, opts: EventsTransportOptions = {}) {
    this.#channel = channel;
    this.#publish = publish;
    this.#log = opts.log ?? (() => undefined);
    this.#carries = opts.carries ?? 'text';
  }

  get channel(): string {
    return this.#channel;
  }

  send(out: OutFrame): SendStats {
    if (this.#inFlight === undefined) {
      this.#start(this.#pick(out), true);
      return { targeted: 1, started: 1, dropped: 0, thinned: 0 };
    }
    const replaced = this.#pending?.tick === true;
    if (replaced) {
      this.#totals.dropped += 1;
      this.#gap = true; // the replaced delta is lost: the delta channel's next frame is full
    }
    if (this.#pending === undefined || replaced) this.#pending = { frame: this.#pick(out), tick: true };
    return { targeted: 1, started: 0, dropped: replaced ? 1 : 0, thinned: 0 };
  }

  /** The text this channel carries for a tick: on the delta channel, the full one after a gap. */
  #pick(out: OutFrame): string {
    if (this.#carries !== 'delta' || out.delta === undefined || this.#gap) {
      this.#gap = false;
      return out.text;
    }
    return out.delta;
  }

  /** The next frame of this channel is full (its subscribers missed the ticks before it). */
  resync(): void {
    this.#gap = true;
  }

  /** A notice is a publish of its own, after the frames before it; not counted in `publishes` (frames only). */
  async notice(frame: string): Promise<void> {
    await this.drain();
    this.#start(frame, false);
    await this.drain();
  }

  totals(): TransportTotals {
    return { ...this.#totals };
  }

  drain(): Promise<void> {
    if (this.#inFlight === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #start(frame: string, tick: boolean): void {
    if (tick) this.#totals.publishes += 1;
    this.#inFlight = this.#publish(this.#channel, [frame])
      .then((result) => {
        this.#totals[result === 'ok' ? 'sent' : 'throttled'] += 1;
        if (result !== 'ok' && tick) this.#gap = true;
      })
      .catch((error: unknown) => {
        this.#totals.failed += 1;
        if (tick) this.#gap = true;
        const status = error instanceof PublishError ? error.statusCode : undefined;
        this.#log('warn', 'publish failed', { channel: this.#channel, status, error: String(error) });
      })
      .finally(() => this.#next());
  }

  #next(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#inFlight = undefined;
    if (pending !== undefined) {
      this.#start(pending.frame, pending.tick);
      return;
    }
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * The `events` transport of a campaign: its frames' channel, one publish per tick, and — when the
 * campaign offers deltas (`service_specific.campaign.delta_channel: true`) — its deltas' channel,
 * one more publish per tick (see ./channels.ts). Deltas are offered per campaign on this transport
 * because AppSync Events does not tell a publisher whether a channel has subscribers: publishing
 * every campaign's deltas would double every campaign's publishes.
 */
export class EventsChannels implements Transport {
  readonly kind = 'events' as const;
  readonly #all: readonly EventsTransport[];
  #deltas = false;

  constructor(
    readonly full: EventsTransport,
    readonly delta: EventsTransport | undefined,
  ) {
    this.#all = delta === undefined ? [full] : [full, delta];
  }

  /** Whether the deltas' channel gets this campaign's ticks (its first one after a pause is full). */
  offerDeltas(on: boolean): void {
    if (on && !this.#deltas) this.delta?.resync();
    this.#deltas = on;
  }

  send(frame: OutFrame): SendStats {
    if (this.#deltas) this.delta?.send(frame);
    return this.full.send(frame);
  }

  async notice(frame: string): Promise<void> {
    await Promise.all(this.#all.map((t) => t.notice(frame)));
  }

  totals(): TransportTotals {
    const sum = this.#all.map((t) => t.totals()).reduce(addTotals, { ...ZERO_TOTALS });
    const deltas = this.delta?.totals().publishes ?? 0;
    return { ...sum, publishes: sum.publishes - deltas, deltaPublishes: deltas };
  }

  async drain(): Promise<void> {
    await Promise.all(this.#all.map((t) => t.drain()));
  }
}
