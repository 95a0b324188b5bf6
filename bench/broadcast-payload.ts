/** The frame payload every broadcast bench run posts (bench/broadcast.ts and its shard processes). */
import type { CampaignStatePayload } from '../lib/broadcast/frame.ts';

/** Top-10 leaderboard and live count: a frame of about 480 bytes. */
export function payloadFor(connections: number, seq: number): CampaignStatePayload {
  return {
    leaderboard: Array.from({ length: 10 }, (_, i) => ({
      user: `player-${i + 1}`,
      score: 10_000 - i * 97 + seq,
    })),
    live_participant_count: connections,
  };
}
