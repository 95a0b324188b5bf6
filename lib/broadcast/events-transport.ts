/**
 * The `events` transport: a frame is one publish to the campaign's AppSync Events channel, and
 * AWS delivers it to every subscriber. The broadcaster's work per tick no longer grows with
 * the audience, and nothing counts against API Gateway's account throttle.
 *
 * At most `maxInFlight` publishes at once (default 2): a tick whose publish would exceed it is
 * dropped and counted, like a busy connection's frame on the websocket transport (a publish
 * slower than two ticks means AppSync is struggling; queueing would only add lateness). A
 * publish that fails or is throttled is counted and never retried: the next tick carries the
 * newer state.
 */
import { type Publish, PublishError } from './events-publish.ts';
import type { BroadcastLog } from './tick-sender.ts';
import { type SendStats, type Transport, type TransportTotals, ZERO_TOTALS } from './transport.ts';

export interface EventsTransportOptions {
  maxInFlight?: number;
  log?: BroadcastLog;
}

export class EventsTransport implements Transport {
  readonly kind = 'events';
  readonly #channel: string;
  readonly #publish: Publish;
  readonly #maxInFlight: number;
  readonly #log: BroadcastLog;
  readonly #pending = new Set<Promise<void>>();
  readonly #totals: TransportTotals = { ...ZERO_TOTALS };

  constructor(channel: string, publish: Publish, opts: EventsTransportOptions = {}) {
    this.#channel = channel;
    this.#publish = publish;
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
    this.#log = opts.log ?? (() => undefined);
  }

  get channel(): string {
    return this.#channel;
  }

  send(frame: string): SendStats {
    if (this.#pending.size >= this.#maxInFlight) {
      this.#count('dropped');
      return { targeted: 1, started: 0, dropped: 1, thinned: 0 };
    }
    this.#start(frame);
    return { targeted: 1, started: 1, dropped: 0, thinned: 0 };
  }

  async notice(frame: string): Promise<void> {
    await this.drain();
    this.#start(frame);
    await this.drain();
  }

  totals(): TransportTotals {
    return { ...this.#totals };
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  #start(frame: string): void {
    this.#count('publishes');
    const done: Promise<void> = this.#publish(this.#channel, [frame])
      .then((result) => this.#count(result === 'ok' ? 'sent' : 'throttled'))
      .catch((error: unknown) => {
        this.#count('failed');
        const status = error instanceof PublishError ? error.statusCode : undefined;
        this.#log('warn', 'publish failed', { channel: this.#channel, status, error: String(error) });
      })
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  #count(key: keyof TransportTotals): void {
    this.#totals[key] += 1;
  }
}
