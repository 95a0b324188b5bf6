/**
 * The Transport port: how a tick's frame reaches a campaign's clients. Two adapters:
 *
 * - `websocket` (./websocket-transport.ts): one `PostToConnection` per connection per frame,
 *   through the fan-out's drop policy and posting budget (and shards, for large campaigns);
 * - `events` (./events-transport.ts): one publish per frame to the campaign's AppSync Events
 *   channel, which AWS fans out to every subscriber.
 *
 * Frames are identical on both: the broadcaster builds one frame text per tick and hands the
 * same text to whichever transports are active ({@link TransportSwitch}: during a switch
 * both, for {@link SWITCH_OVERLAP_MS}). A transport never throws from `send`: what it could
 * not deliver is counted in its totals.
 */

export type TransportKind = 'websocket' | 'events';
export const TRANSPORTS: readonly TransportKind[] = ['websocket', 'events'];

/** What one `send` did, known at once. */
export interface SendStats {
  /** Recipients addressed: connections (websocket) or the channel (events: 1). */
  targeted: number;
  /** Frames (posts or publishes) started. */
  started: number;
  /** Frames not started because the recipient still had the previous one in flight. */
  dropped: number;
  /** Frames not started for lack of posting budget. */
  thinned: number;
}

/** Settled outcomes since the transport was made (per-tick metrics are their deltas). */
export interface TransportTotals {
  /** Frames delivered: posts answered 2xx, or publishes accepted. */
  sent: number;
  dropped: number;
  thinned: number;
  /** Answered 429: the frame is dropped and counted, never retried. */
  throttled: number;
  /** No answer, or another error: that frame only. */
  failed: number;
  /** Connections found gone (410). */
  gone: number;
  /** Publish requests made for frames (events; notices are not counted). */
  publishes: number;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Start sending one frame to every recipient; never throws. */
  send(frame: string): SendStats;
  /** Send one notice (best effort) and wait until it settled. */
  notice(frame: string): Promise<void>;
  totals(): TransportTotals;
  /** Resolve once everything started has settled. */
  drain(): Promise<void>;
}

export const ZERO_TOTALS: TransportTotals = Object.freeze({
  sent: 0,
  dropped: 0,
  thinned: 0,
  throttled: 0,
  failed: 0,
  gone: 0,
  publishes: 0,
});

/** How long the transport a campaign leaves still gets its frames, so clients can move without a gap. */
export const SWITCH_OVERLAP_MS = 3_000;

/**
 * The active transport, and the one being left during a switch: both get every frame until the
 * overlap ends (a client that moved dedupes by `seq`), then only the new one.
 */
export class TransportSwitch {
  #active: Transport;
  #leaving: { transport: Transport; until: number } | undefined;

  constructor(initial: Transport) {
    this.#active = initial;
  }

  get active(): Transport {
    return this.#active;
  }

  /** The transport being left, while it still gets frames. */
  leaving(now: number): Transport | undefined {
    if (this.#leaving !== undefined && now >= this.#leaving.until) this.#leaving = undefined;
    return this.#leaving?.transport;
  }

  /** Make `next` active at `now`; the current one keeps getting frames for `overlapMs`. */
  switchTo(next: Transport, now: number, overlapMs: number = SWITCH_OVERLAP_MS): void {
    if (next === this.#active) return;
    this.#leaving = { transport: this.#active, until: now + overlapMs };
    this.#active = next;
  }

  /** Send a frame to the active transport (and the one being left); stats are the active one's. */
  send(frame: string, now: number): SendStats {
    this.leaving(now)?.send(frame);
    return this.#active.send(frame);
  }

  async drain(): Promise<void> {
    await Promise.all([this.#active.drain(), this.#leaving?.transport.drain()]);
  }
}

/** Sum of totals (a broadcaster reports its transports together). */
export function addTotals(a: TransportTotals, b: TransportTotals): TransportTotals {
  return {
    sent: a.sent + b.sent,
    dropped: a.dropped + b.dropped,
    thinned: a.thinned + b.thinned,
    throttled: a.throttled + b.throttled,
    failed: a.failed + b.failed,
    gone: a.gone + b.gone,
    publishes: a.publishes + b.publishes,
  };
}
