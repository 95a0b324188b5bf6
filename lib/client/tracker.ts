/**
 * What a live client holds and what it makes of each frame, without any I/O: the leaderboard at
 * the last `seq` it delivered, deltas applied on it, gaps found, and when it needs a snapshot.
 *
 * - A `seq` is delivered at most once and never after a higher one: a frame at or below the
 *   held `seq` is dropped (the overlap of a transport switch, a snapshot older than the stream).
 * - A delta applies only on the frame it was made against (`base_seq` = the held `seq`);
 *   otherwise the held leaderboard is stale: that is a gap, and nothing is delivered until a
 *   full frame (the stream's next one, or the snapshot of `GET …/state`) comes.
 * - A gap is what the server says (`missed`, `resumed.missed`), or a delta whose base is not
 *   held, or — where nobody counts per connection (the events transport, a fetched snapshot,
 *   an unusable `last_seq`) — a `seq` that jumps: then `missed` is the distance, an upper
 *   bound in on-change mode (a tick that sent nothing still used its `seq`).
 */
import { applyDelta, type DeltaFrame, type LeaderboardRow, type StateFrame } from './frames.ts';

/** Frames this client did not get: `from` the last `seq` it held (null: none), `to` the `seq` it got next. */
export interface Gap {
  missed: number;
  from: number | null;
  to: number;
}

/** How a delivered state came: a full frame, a delta on the held state, or a fetched snapshot. */
export type Via = 'frame' | 'delta' | 'snapshot';

export interface Outcome {
  /** The state to deliver: a full `campaign.state` frame (rebuilt from a delta when `via` is `delta`). */
  state?: StateFrame;
  via?: Via;
  gap?: Gap;
}

export class LiveTracker {
  /** The last `seq` delivered. */
  seq: number | undefined;
  /** The leaderboard at `seq`. */
  leaderboard: LeaderboardRow[] | undefined;
  /** The held state is unusable for deltas (none yet, or a gap): a full frame is wanted. */
  needsSnapshot = true;
  /** A gap was reported and not yet repaired: do not report it twice. */
  #gapOpen = false;

  /**
   * A full frame. `jumpIsGap`: a `seq` jump means lost frames (no per-connection `missed` on
   * this path: the events transport, a fetched snapshot).
   */
  full(frame: StateFrame, via: 'frame' | 'snapshot', jumpIsGap: boolean): Outcome {
    const held = this.seq;
    if (held !== undefined && frame.seq <= held) return {};
    let gap: Gap | undefined;
    const told = frame.resumed && frame.resumed.from !== null ? frame.resumed.missed : frame.missed;
    const jumped = held !== undefined && frame.seq > held + 1;
    if (!this.#gapOpen) {
      if (told !== undefined && told > 0) gap = { missed: told, from: held ?? null, to: frame.seq };
      else if (jumped && (jumpIsGap || frame.resumed?.from === null))
        gap = { missed: frame.seq - held - 1, from: held, to: frame.seq };
    }
    this.seq = frame.seq;
    this.leaderboard = frame.payload.leaderboard;
    this.needsSnapshot = false;
    this.#gapOpen = false;
    return { state: frame, via, ...(gap ? { gap } : {}) };
  }

  /** A delta frame: applied when its base is the held state, a gap otherwise. */
  delta(frame: DeltaFrame): Outcome {
    const held = this.seq;
    if (held !== undefined && frame.seq <= held) return {};
    if (held === undefined || this.leaderboard === undefined || frame.base_seq !== held) {
      this.needsSnapshot = true;
      if (held === undefined || this.#gapOpen) return {};
      this.#gapOpen = true;
      return { gap: { missed: frame.seq - held - 1, from: held, to: frame.seq } };
    }
    const { removed: _removed, rows: _rows, ...rest } = frame.payload;
    const leaderboard = applyDelta(this.leaderboard, frame.payload);
    this.seq = frame.seq;
    this.leaderboard = leaderboard;
    const state: StateFrame = {
      type: 'campaign.state',
      campaign_id: frame.campaign_id,
      seq: frame.seq,
      ts: frame.ts,
      payload: { ...rest, leaderboard },
    };
    return { state, via: 'delta' };
  }
}
