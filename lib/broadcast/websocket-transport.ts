/**
 * The `websocket` transport: a frame is one `PostToConnection` per connection this
 * broadcaster serves (the owner's shard, or a shard execution's), through {@link FanOut}: at
 * most `concurrency` posts in flight, the drop policy (a connection with a frame still in
 * flight loses the new one), the slow lane, and a posting budget that thins in round robin
 * (./budget.ts). A connection answered 410 is removed (and uncounted) once.
 */
import { PostBudget } from './budget.ts';
import { FanOut, type PostToConnection } from './fanout.ts';
import type { BroadcastLog } from './tick-sender.ts';
import type { SendStats, Transport, TransportTotals } from './transport.ts';

export interface WebsocketTransportDeps {
  post: PostToConnection;
  /** Remove (and uncount) a connection that is gone. */
  removeConnection: (campaignId: string, connectionId: string) => Promise<unknown>;
  log?: BroadcastLog;
}

export interface WebsocketTransportOptions {
  /** Posts in flight at most (default 128). */
  concurrency?: number;
  /** Posts per second this broadcaster may make (default: unlimited). */
  postsPerSecond?: number;
}

export class WebsocketTransport implements Transport {
  readonly kind = 'websocket';
  readonly fanout: FanOut;
  /** The posting budget, when there is one (its ceiling follows the account's share). */
  readonly budget: PostBudget | undefined;
  #audience: readonly string[] = [];

  constructor(campaignId: string, deps: WebsocketTransportDeps, opts: WebsocketTransportOptions = {}) {
    const log = deps.log ?? (() => undefined);
    this.budget =
      opts.postsPerSecond === undefined ? undefined : new PostBudget({ postsPerSecond: opts.postsPerSecond });
    this.fanout = new FanOut({
      post: deps.post,
      concurrency: opts.concurrency ?? 128,
      ...(this.budget === undefined ? {} : { budget: this.budget }),
      onGone: async (connectionId) => {
        await deps.removeConnection(campaignId, connectionId);
      },
      onError: (error, connectionId) => log('warn', 'post failed', { connectionId, error: String(error) }),
    });
  }

  /** The connections the next frames go to. */
  get audience(): readonly string[] {
    return this.#audience;
  }

  setAudience(connectionIds: readonly string[]): void {
    this.#audience = connectionIds;
  }

  send(frame: string): SendStats {
    return this.fanout.broadcast(this.#audience, frame);
  }

  /** A notice to the audience (or to `to`), after the frames in flight. */
  async notice(frame: string, to: readonly string[] = this.#audience): Promise<void> {
    await this.fanout.drain();
    this.fanout.broadcast(to, frame);
    await this.fanout.drain();
  }

  totals(): TransportTotals {
    const t = this.fanout.totals();
    return {
      sent: t.sent,
      dropped: t.dropped,
      thinned: t.thinned,
      throttled: t.throttled,
      failed: t.failed,
      gone: t.gone,
      publishes: 0,
    };
  }

  drain(): Promise<void> {
    return this.fanout.drain();
  }
}
