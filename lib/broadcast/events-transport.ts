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
import { type SendStats, type Transport, type TransportTotals, ZERO_TOTALS } from './transport.ts';

export interface EventsTransportOptions {
  log?: BroadcastLog;
}

export class EventsTransport implements Transport {
  readonly kind = 'events';
  readonly #channel: string;
  readonly #publish: Publish;
  readonly #log: BroadcastLog;
  readonly #totals: TransportTotals = { ...ZERO_TOTALS };
  #inFlight: Promise<void> | undefined;
  /** The frame waiting for the publish in flight: `notice` frames are never replaced. */
  #pending: { frame: string; tick: boolean } | undefined;
  #idle: Array<() => void> = [];

  constructor(channel: string, publish: Publish, opts: EventsTransportOptions = {}) {
    this.#channel = channel;
    this.#publish = publish;
    this.#log = opts.log ?? (() => undefined);
  }

  get channel(): string {
    return this.#channel;
  }

  send(frame: string): SendStats {
    if (this.#inFlight === undefined) {
      this.#start(frame, true);
      return { targeted: 1, started: 1, dropped: 0, thinned: 0 };
    }
    const replaced = this.#pending?.tick === true;
    if (this.#pending === undefined || replaced) this.#pending = { frame, tick: true };
    if (replaced) this.#totals.dropped += 1;
    return { targeted: 1, started: 0, dropped: replaced ? 1 : 0, thinned: 0 };
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
      })
      .catch((error: unknown) => {
        this.#totals.failed += 1;
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
