/**
 * Recovery for clients that reconnect (docs/broadcast.md, "Resume and gaps"), run by the owning
 * burst at every refresh (500 ms):
 *
 * - **Resume snapshots.** A client that connects with `last_seq=<n>` gets a resume marker
 *   (./connections.ts, written with its connection); the broadcaster reads the markers and sends
 *   each such connection the last frame it sent, whole, with `resumed: { from: n, missed }`
 *   (./websocket-transport.ts `resume`), in line with the connection's other frames: its `seq`
 *   never goes backwards and never repeats. So the client has state within a refresh of
 *   connecting, not a tick later.
 * - **The latest snapshot.** The last full frame is saved (`{ campaign_id, sk: "snapshot" }` in
 *   the state table) when its `seq` moved, for `GET /api/campaigns/{id}/state`: what a client on
 *   either transport reads after a gap.
 *
 * A sharded campaign's connections are posted by its shards, which do not read the markers: its
 * reconnecting clients get their first frame at the next tick, and read `…/state` meanwhile.
 */
import type { PendingResume } from './connections.ts';
import type { BroadcastLog } from './tick-sender.ts';
import type { OutFrame } from './transport.ts';
import type { WebsocketTransport } from './websocket-transport.ts';

/** The reads and writes of recovery (./wiring.ts over DynamoDB; faked in unit tests). */
export interface ResumePorts {
  /** Connections owed a resume snapshot. */
  pendingResumes?: (campaignId: string, nowMs: number) => Promise<PendingResume[]>;
  /** A connection's resume snapshot went out: drop its marker. */
  resumed?: (campaignId: string, connectionId: string) => Promise<unknown>;
  /** Save the latest full frame of a campaign (for `GET …/state`). */
  saveSnapshot?: (campaignId: string, seq: number, frame: string) => Promise<unknown>;
}

export class Recovery {
  #savedSeq = 0;

  constructor(
    private readonly campaignId: string,
    private readonly ports: ResumePorts & { log: BroadcastLog },
    private readonly websocket: WebsocketTransport,
  ) {}

  /**
   * One refresh's work: save the latest frame when it is new, and (when this broadcaster posts
   * to every connection itself: `serving`) answer the pending resumes.
   */
  async refresh(last: OutFrame | undefined, serving: boolean, nowMs: number): Promise<void> {
    const { ports, campaignId } = this;
    const work: Array<Promise<unknown>> = [];
    if (last !== undefined && last.seq > this.#savedSeq && ports.saveSnapshot) {
      const seq = last.seq;
      work.push(
        ports.saveSnapshot(campaignId, seq, last.text).then(() => {
          this.#savedSeq = Math.max(this.#savedSeq, seq);
        }),
      );
    }
    if (serving && ports.pendingResumes) work.push(this.#serve(last, nowMs));
    for (const outcome of await Promise.allSettled(work))
      if (outcome.status === 'rejected')
        ports.log('warn', 'recovery failed', { error: String(outcome.reason) });
  }

  async #serve(last: OutFrame | undefined, nowMs: number): Promise<void> {
    const { ports, campaignId } = this;
    const pending = (await ports.pendingResumes?.(campaignId, nowMs)) ?? [];
    await Promise.all(
      pending.map(async ({ connectionId, from }) => {
        this.websocket.resume(connectionId, from, last);
        await ports.resumed?.(campaignId, connectionId);
      }),
    );
  }
}
