/**
 * The `websocket` transport: a frame is one `PostToConnection` per connection this
 * broadcaster serves (the owner's shard, or a shard execution's), through {@link FanOut}: at
 * most `concurrency` posts in flight, the drop policy (a connection with a frame still in
 * flight loses the new one), the slow lane, and a posting budget that thins in round robin
 * (./budget.ts). A connection answered 410 is removed (and uncounted) once.
 *
 * Per connection, on top of the tick's shared bytes: a connection that lost frames gets the next
 * full frame with `missed: <n>` (the frames it did not get since its last one); a connection that
 * opted in to deltas gets the tick's `campaign.delta` — unless it lost frames, or has had none
 * from this broadcaster yet (it then gets the full frame: a delta needs its base).
 */
import { PostBudget } from './budget.ts';
import { FanOut, type PostToConnection } from './fanout.ts';
import { withFrameFields } from './frame.ts';
import type { BroadcastLog } from './tick-sender.ts';
import type { OutFrame, SendStats, Transport, TransportTotals } from './transport.ts';

/**
 * The fields a resumed client's frame of seq `seq` carries: `resumed: { from, missed }` (the
 * frames between its `last_seq` and this one), or `{ from: null }` when `from` was not a usable
 * seq or is not behind this frame; and `missed` when the connection lost frames meanwhile.
 */
function resumedFields(from: number | null, seq: number, missed: number): Record<string, unknown> {
  const resumed = from === null || from >= seq ? { from: null } : { from, missed: seq - from - 1 };
  return missed > 0 ? { missed, resumed } : { resumed };
}

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
  #deltas: ReadonlySet<string> = new Set();
  /** Connections owed `resumed` on their next frame (their `last_seq`, or null). */
  readonly #owed = new Map<string, number | null>();

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

  /** The connections the next frames go to, and those of them that take deltas. */
  setAudience(connectionIds: readonly string[], deltas?: ReadonlySet<string>): void {
    this.#audience = connectionIds;
    if (deltas !== undefined) this.#deltas = deltas;
  }

  send(frame: OutFrame): SendStats {
    const delta = frame.delta === undefined ? undefined : Buffer.from(frame.delta, 'utf8');
    const withMissed = new Map<number, Buffer>();
    return this.fanout.broadcast(this.#audience, frame.text, (id, missed, first) => {
      if (this.#owed.has(id)) {
        const from = this.#owed.get(id) ?? null;
        this.#owed.delete(id);
        return Buffer.from(withFrameFields(frame.text, resumedFields(from, frame.seq, missed)), 'utf8');
      }
      if (missed > 0) {
        let bytes = withMissed.get(missed);
        if (bytes === undefined) {
          bytes = Buffer.from(withFrameFields(frame.text, { missed }), 'utf8');
          withMissed.set(missed, bytes);
        }
        return bytes;
      }
      return delta !== undefined && !first && this.#deltas.has(id) ? delta : undefined;
    });
  }

  /**
   * A reconnecting client's snapshot: `last` (the last frame sent) whole, with `resumed`, right
   * away and in line with the connection's other frames. When the client already has `last`
   * (`from` is its seq), or nothing was sent yet, its next frame carries `resumed` instead: a
   * client never gets the same `seq` twice.
   */
  resume(connectionId: string, from: number | null, last: OutFrame | undefined): void {
    if (last === undefined || from === last.seq) {
      this.#owed.set(connectionId, from);
      return;
    }
    this.fanout.broadcast([connectionId], withFrameFields(last.text, resumedFields(from, last.seq, 0)));
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
      deltaPublishes: 0,
    };
  }

  drain(): Promise<void> {
    return this.fanout.drain();
  }
}
