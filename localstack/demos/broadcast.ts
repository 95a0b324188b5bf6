/**
 * A live campaign: three players on WebSockets, scores posted over HTTP, the leaderboard
 * arriving in every frame, and a viewer on the client helper (lib/client/live.ts) taking delta
 * frames. Fails unless every player receives frames in `seq` order, the last frames carry the
 * posted scores, and the viewer's rebuilt leaderboard is the same.
 */
import WebSocket from 'ws';
import { connectLive, type LiveClient, type WebSocketConstructor } from '../../lib/client/live.ts';
import { type Demo, DemoFailed, detail, say, sleep, unique, waitFor } from './kit.ts';

const HZ = 5;
const PLAYERS = ['ada', 'grace', 'linus'] as const;
/** [seconds after the first frame, player, delta]. */
const SCORES: Array<[number, (typeof PLAYERS)[number], number]> = [
  [1, 'ada', 3],
  [3, 'grace', 7],
  [5, 'linus', 5],
  [7, 'ada', 6],
];

interface Frame {
  type?: string;
  seq?: number;
  payload?: { leaderboard?: Array<{ user: string; score: number }>; live_participant_count?: number };
}

const board = (f: Frame | undefined): string =>
  (f?.payload?.leaderboard ?? []).map((r) => `${r.user}:${r.score}`).join(' ') || '(empty)';

export const broadcast: Demo = {
  title: 'a live campaign: players on WebSockets see the leaderboard change as scores are posted',
  budgetMs: 120_000,
  async run(ctx) {
    const tag = unique();
    const now = Date.now();
    const campaign = await ctx.must<{ id: string }>('POST', '/api/campaigns', {
      name: `Demo live ${tag}`,
      metadata: {
        features: ['broadcast', 'leaderboard'],
        tags: ['demo'],
        scheduling: {
          frequency: HZ,
          start_time: new Date(now - 60_000).toISOString(),
          end_time: new Date(now + 10 * 60_000).toISOString(),
        },
        service_specific: { campaign: { broadcast_enabled: true } },
      },
    });
    say(`created campaign ${campaign.id}: features [broadcast], broadcast_enabled, ${HZ} Hz, on the air now`);
    const players = PLAYERS.map((p) => `${p}-${tag}`);
    const frames = new Map<string, Frame[]>(players.map((p) => [p, []]));
    const sockets: WebSocket[] = [];
    let viewer: LiveClient | undefined;
    try {
      say('a viewer follows with the client helper (lib/client/live.ts), on delta frames');
      viewer = connectLive({
        campaignId: campaign.id,
        token: ctx.outputs.tokens.admin,
        apiUrl: ctx.outputs.httpApiUrl,
        frames: 'delta',
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        onGap: (gap) => detail(`viewer: a gap (${JSON.stringify(gap)}); the helper recovers`),
      });
      say(`${players.length} players connect to ${ctx.webSocketUrl()}`);
      for (const player of players) {
        const ws = await ctx.openSocket({
          campaign_id: campaign.id,
          user_id: player,
          token: ctx.outputs.tokens.admin,
        });
        ws.on('message', (data) => {
          try {
            const f = JSON.parse(String(data)) as Frame;
            if (f.type === 'campaign.state') frames.get(player)?.push(f);
          } catch {
            // not JSON: not a state frame
          }
        });
        sockets.push(ws);
      }
      await waitFor(
        'a first campaign.state frame on every socket',
        async () => [...frames.values()].every((f) => f.length > 0),
        45_000,
        250,
      );
      say('frames are arriving on every socket; posting scores over HTTP for the next ~10 s');
      const t0 = Date.now();
      let next = 0;
      for (let second = 0; second <= 10; second++) {
        while (next < SCORES.length && SCORES[next]![0] <= second) {
          const [, who, delta] = SCORES[next++]!;
          await ctx.must('POST', `/api/campaigns/${campaign.id}/scores`, { user: `${who}-${tag}`, delta });
          detail(`POST /api/campaigns/${campaign.id}/scores {user: ${who}, delta: ${delta}}`);
        }
        const latest = frames.get(players[0]!)?.at(-1);
        detail(
          `t=${second}s  seq=${latest?.seq ?? '-'}  participants=${latest?.payload?.live_participant_count ?? '-'}  leaderboard ${board(latest).replaceAll(`-${tag}`, '')}`,
        );
        await sleep(Math.max(0, t0 + (second + 1) * 1000 - Date.now()));
      }
      const expected = new Map<string, number>();
      for (const [, who, delta] of SCORES)
        expected.set(`${who}-${tag}`, (expected.get(`${who}-${tag}`) ?? 0) + delta);
      await waitFor(
        'the final leaderboard in the latest frame of every player',
        async () =>
          [...frames.values()].every((f) => {
            const rows = new Map((f.at(-1)?.payload?.leaderboard ?? []).map((r) => [r.user, r.score]));
            return [...expected].every(([u, s]) => rows.get(u) === s);
          }),
        15_000,
        250,
      );
      for (const [player, got] of frames) {
        const seqs = got.map((f) => Number(f.seq));
        if (seqs.some((s, i) => i > 0 && s <= seqs[i - 1]!))
          throw new DemoFailed(`${player} received frames out of order`);
        detail(
          `${player.replace(`-${tag}`, '')}: ${got.length} frames, seq ${seqs[0]}…${seqs.at(-1)}, in order`,
        );
      }
      say(
        `every player saw the final leaderboard: ${board(frames.get(players[0]!)?.at(-1)).replaceAll(`-${tag}`, '')}`,
      );
      const v = viewer;
      await waitFor(
        "the final leaderboard in the viewer's rebuilt state",
        async () => {
          const rows = new Map((v.leaderboard ?? []).map((r) => [r.user, r.score]));
          return [...expected].every(([u, s]) => rows.get(u) === s);
        },
        15_000,
        250,
      );
      say(
        `the viewer rebuilt the same leaderboard from deltas (${v.stats.frames} frames, ${v.stats.gaps} gaps, ${v.stats.snapshots} snapshots fetched)`,
      );
    } finally {
      viewer?.close();
      for (const ws of sockets) ws.terminate();
      await ctx.call('DELETE', `/api/campaigns/${campaign.id}`);
      say(`deleted campaign ${campaign.id}: its ticker stops`);
    }
  },
};
