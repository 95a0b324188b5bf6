/**
 * Live clients that recover (docs/broadcast.md, "Gaps, resume and deltas"), on the emulator
 * with real `ws` clients: a resume snapshot right after reconnecting with `last_seq`, `seq`
 * monotonic across the reconnect, bad `last_seq` and `frames` values, `GET …/state`, the
 * `missed` count of a slow client, and delta frames that rebuild the full leaderboard.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyLeaderboardDelta } from '../../lib/broadcast/delta.ts';
import {
  type CampaignDeltaFrame,
  campaignDeltaFrameSchema,
  campaignStateFrameSchema,
  type LeaderboardEntry,
} from '../../lib/broadcast/frame.ts';
import { createCampaign, createLiveCampaign, type LiveCampaignOptions } from './support/campaigns.ts';
import { api, eventually } from './support/client.ts';
import { tokenFor } from './support/tokens.ts';
import { LiveClient, type Received } from './support/ws-client.ts';

const clients: LiveClient[] = [];
const campaigns: string[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(campaigns.map((id) => api('DELETE', `/api/campaigns/${id}`)));
});

const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

async function liveCampaign(name: string, opts: LiveCampaignOptions): Promise<string> {
  const id = await createLiveCampaign(name, opts);
  campaigns.push(id);
  return id;
}

/** Connect as `user` (a user token of its own) with `extra` in the query. */
async function open(
  campaignId: string,
  user: string,
  extra: Record<string, string> = {},
): Promise<LiveClient> {
  const c = await LiveClient.open({
    campaign_id: campaignId,
    user_id: user,
    token: await tokenFor(user, 'user'),
    ...extra,
  });
  clients.push(c);
  return c;
}

/** The latest snapshot's seq (GET …/state), once there is one. */
async function currentSeq(campaignId: string): Promise<number> {
  return eventually(
    async () => {
      const r = await api<{ seq: number }>('GET', `/api/campaigns/${campaignId}/state`);
      return r.status === 200 ? r.body.seq : undefined;
    },
    60_000,
    'a first snapshot',
  );
}

/** Frames that carry a seq (state and delta), in arrival order. */
const sequenced = (c: LiveClient): Received[] =>
  c.received.filter((r) => r.frame.type === 'campaign.state' || r.frame.type === 'campaign.delta');

describe('live recovery', () => {
  it('a client reconnecting with last_seq gets a snapshot with resumed within 1 s at 1 Hz, and seq never goes back or repeats', async () => {
    const id = await liveCampaign(unique('resume'), { hz: 1 });
    const user = unique('resumer');
    const first = await open(id, user);
    await first.waitFor(() => first.states().length >= 2, 60_000, 'two frames');
    const lastSeq = Math.max(...first.states().map((s) => s.seq));
    await first.close();
    // The campaign moves on while the client is away.
    await eventually(
      async () => ((await currentSeq(id)) >= lastSeq + 2 ? true : undefined),
      30_000,
      'two more ticks',
    );
    const second = await open(id, user, { last_seq: String(lastSeq) });
    const openedAt = Date.now();
    const snapshot = await second.waitFor((r) => r.find((x) => x.frame.type === 'campaign.state'), 10_000);
    const frame = campaignStateFrameSchema.parse(snapshot.frame);
    console.info(`[recovery] resume snapshot ${snapshot.at - openedAt} ms after the connection opened`);
    expect(frame.resumed).toEqual({ from: lastSeq, missed: frame.seq - lastSeq - 1 });
    expect(frame.seq).toBeGreaterThan(lastSeq + 1);
    expect(snapshot.at - openedAt).toBeLessThan(1_000);
    // The following ticks: strictly increasing, all after the snapshot.
    await second.waitFor(() => second.states().length >= 3, 30_000, 'two ticks after the snapshot');
    const seqs = second.states().map((s) => s.seq);
    for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? 0);
  });

  it('a last_seq that is not an integer, or ahead of the campaign, is accepted with a plain snapshot (resumed.from null)', async () => {
    const id = await liveCampaign(unique('badresume'), { hz: 2 });
    await currentSeq(id);
    for (const bad of ['abc', '-3', '1.5', '999999999']) {
      const c = await open(id, unique('bad'), { last_seq: bad });
      const got = await c.waitFor((r) => r.find((x) => x.frame.type === 'campaign.state'), 15_000);
      expect(campaignStateFrameSchema.parse(got.frame).resumed, `last_seq=${bad}`).toEqual({ from: null });
    }
  });

  it('an unknown frames value is refused at connect with a 400 the client can read', async () => {
    const id = await liveCampaign(unique('frames'), { hz: 1 });
    const user = unique('f');
    const o = await LiveClient.connect({
      campaign_id: id,
      user_id: user,
      token: await tokenFor(user, 'user'),
      frames: 'diff',
    });
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.status).toBe(400);
    expect(o.body).toContain('frames');
  });

  it('GET /api/campaigns/{id}/state answers the latest frame with its seq; 404 before the first one', async () => {
    const id = await liveCampaign(unique('state'), { hz: 2 });
    const seq = await currentSeq(id);
    const r = await api<Record<string, unknown>>('GET', `/api/campaigns/${id}/state`);
    expect(r.status).toBe(200);
    const frame = campaignStateFrameSchema.parse(r.body);
    expect(frame.campaign_id).toBe(id);
    expect(frame.seq).toBeGreaterThanOrEqual(seq);
    const quiet = await createCampaign('never on the air');
    campaigns.push(quiet);
    const none = await api<{ error: { code: string } }>('GET', `/api/campaigns/${quiet}/state`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('not_found');
  });

  it('a slow client (its posts take 500 ms) gets missed counts that add up to the frames it did not get', async () => {
    const id = await liveCampaign(unique('slow'), { hz: 5 });
    const slow = await open(id, unique('slow'), { emulator_post_delay_ms: '500' });
    await slow.waitFor(() => slow.states().length >= 8, 60_000, 'eight frames at 500 ms each');
    const states = slow.states();
    const withMissed = states.filter((s) => typeof s.frame.missed === 'number');
    expect(withMissed.length).toBeGreaterThan(0);
    // Each frame's missed is exactly the seq gap since the previous one it got.
    for (let i = 1; i < states.length; i += 1) {
      const gap = (states[i]?.seq ?? 0) - (states[i - 1]?.seq ?? 0) - 1;
      expect(Number(states[i]?.frame.missed ?? 0), `frame ${states[i]?.seq}`).toBe(gap);
    }
    const sum = states.slice(1).reduce((a, s) => a + Number(s.frame.missed ?? 0), 0);
    const lost = (states.at(-1)?.seq ?? 0) - (states[0]?.seq ?? 0) + 1 - states.length;
    console.info(`[recovery] slow client: ${states.length} frames, ${lost} not received, missed sum ${sum}`);
    expect(sum).toBe(lost);
  });

  it("a delta client's rebuilt leaderboard equals a full client's at every common seq", async () => {
    const id = await liveCampaign(unique('delta'), { hz: 5 });
    const full = await open(id, unique('full'));
    const delta = await open(id, unique('delta'), { frames: 'delta' });
    await delta.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 30_000, 'a first frame');
    // Scores move while both watch: a few users, several changes per second.
    const users = Array.from({ length: 8 }, (_, i) => `player-${i}`);
    for (let round = 0; round < 12; round += 1) {
      await Promise.all(
        users
          .filter((_, i) => (i + round) % 3 === 0)
          .map((user, i) =>
            api('POST', `/api/campaigns/${id}/scores`, { body: { user, delta: round * 3 + i + 1 } }),
          ),
      );
    }
    await delta.waitFor(() => delta.frames('campaign.delta').length >= 10, 30_000, 'ten delta frames');
    // Rebuild: a full frame sets the board; a delta applies on the seq it is based on.
    const rebuilt = new Map<number, LeaderboardEntry[]>();
    let held: { seq: number; board: LeaderboardEntry[] } | undefined;
    for (const r of sequenced(delta)) {
      if (r.frame.type === 'campaign.state') {
        const f = campaignStateFrameSchema.parse(r.frame);
        held = { seq: f.seq, board: f.payload.leaderboard };
      } else {
        const d: CampaignDeltaFrame = campaignDeltaFrameSchema.parse(r.frame);
        if (held === undefined || held.seq !== d.base_seq) {
          held = undefined; // a gap: wait for the next full frame
          continue;
        }
        held = { seq: d.seq, board: applyLeaderboardDelta(held.board, d.payload) };
      }
      rebuilt.set(held.seq, held.board);
    }
    const fullBoards = new Map(
      full.states().map((s) => [s.seq, campaignStateFrameSchema.parse(s.frame).payload.leaderboard]),
    );
    const common = [...rebuilt.keys()].filter((seq) => fullBoards.has(seq));
    expect(common.length).toBeGreaterThanOrEqual(10);
    for (const seq of common) expect(rebuilt.get(seq), `seq ${seq}`).toEqual(fullBoards.get(seq));
    // And the board did change on the air (the deltas carried rows).
    expect(
      delta.frames('campaign.delta').some((r) => (r.frame.payload as { rows: unknown[] }).rows.length > 0),
    ).toBe(true);
  });
});
