/**
 * Live campaigns on the emulator, with real `ws` clients: the WebSocket API, the ticker
 * state machine, the fan-out and the leaderboard (docs/broadcast.md).
 *
 * Every scenario has its own campaign, so they run concurrently (the file takes about as
 * long as its longest scenario).
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastNoticeSchema, campaignStateFrameSchema } from '../../lib/broadcast/frame.ts';
import { errorFrameSchema, pongFrameSchema, scoreFrameSchema } from '../../lib/broadcast/messages.ts';
import { BusTap } from './support/bus-tap.ts';
import { createLiveCampaign, type LiveCampaignOptions } from './support/campaigns.ts';
import { api, dynamo, eventually, table } from './support/client.ts';
import { patchEnvironment } from './support/faults.ts';
import { loadOutputs } from './support/outputs.ts';
import { tokenFor } from './support/tokens.ts';
import { LiveClient, type Received } from './support/ws-client.ts';

const HZ = 5;
const clients: LiveClient[] = [];
const campaigns: string[] = [];
let tap: BusTap;

beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  // Deleting a campaign stops its ticker (the shared emulator keeps running).
  await Promise.all(campaigns.map((id) => api('DELETE', `/api/campaigns/${id}`)));
  await tap?.close();
});

/** A live campaign (support/campaigns.ts), deleted after the file. */
async function liveCampaign(name: string, opts: LiveCampaignOptions = {}): Promise<string> {
  const id = await createLiveCampaign(name, { hz: HZ, ...opts });
  campaigns.push(id);
  return id;
}

/** Connect as user `user` (a user token of its own). */
async function join(campaignId: string, user: string): Promise<LiveClient> {
  const client = await LiveClient.join(campaignId, user);
  clients.push(client);
  return client;
}

/** `n` clients of their own users, each on the air (first state frame seen). */
async function joinAll(campaignId: string, n: number, prefix: string): Promise<LiveClient[]> {
  const group = await Promise.all(
    Array.from({ length: n }, (_, i) => join(campaignId, unique(`${prefix}${i}`))),
  );
  await Promise.all(
    group.map((c) => c.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 45_000)),
  );
  return group;
}

/**
 * Wait until every client of `group` has received `frames` more state frames (a positive
 * barrier: delivery keeps going to each of them), then print the share of the frames `hz`
 * would bring over that time. The share is informational: delivery rates are measured by
 * `npm run bench -- broadcast` on a quiet machine, not asserted on shared cores.
 */
async function receiveMore(group: LiveClient[], hz: number, frames: number, what: string): Promise<void> {
  const from = Date.now();
  const seen = group.map((c) => c.states().length);
  await Promise.all(
    group.map((c, i) =>
      c.waitFor(() => c.states().length >= (seen[i] ?? 0) + frames, 90_000, `${frames} more frames`),
    ),
  );
  const to = Date.now();
  const expected = ((to - from) / 1000) * hz;
  const shares = group.map((c) => c.states().filter((f) => f.at >= from && f.at < to).length / expected);
  console.info(
    `[broadcast] ${what}: ${frames} frames each in ${((to - from) / 1000).toFixed(1)} s; ` +
      `min ${(Math.min(...shares) * 100).toFixed(1)} % of ${expected.toFixed(1)} frames at ${hz} Hz`,
  );
}

/** Delete a scenario's campaign as soon as it is done (its ticker stops; less load for the others). */
const end = async (id: string): Promise<void> => {
  await api('DELETE', `/api/campaigns/${id}`);
};

const unique = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** `seq` of frames strictly increasing. */
const strictlyIncreasing = (frames: Array<{ seq: number }>): boolean =>
  frames.every((f, i) => i === 0 || f.seq > (frames[i - 1]?.seq ?? 0));

async function connectionItem(campaignId: string, connectionId: string) {
  const out = await dynamo().send(
    new GetCommand({
      TableName: table('broadcastConnections'),
      Key: { campaign_id: campaignId, connection_id: connectionId },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

async function liveCount(campaignId: string): Promise<number> {
  const out = await dynamo().send(
    new GetCommand({
      TableName: table('broadcastState'),
      Key: { campaign_id: campaignId, sk: 'live' },
      ConsistentRead: true,
    }),
  );
  return Number(out.Item?.live_count ?? 0);
}

async function tickerItem(campaignId: string) {
  const out = await dynamo().send(
    new GetCommand({
      TableName: table('broadcastState'),
      Key: { campaign_id: campaignId, sk: 'ticker' },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/**
 * Timing first, with only these two campaigns on the emulator: every campaign or score
 * event of the other scenarios runs several consumer Lambdas on the same (single-process)
 * emulator, which slows its management API down enough to drop frames by the drop policy.
 */
describe('delivery and rate', () => {
  it.concurrent('outputs.json has the client URL of the WebSocket API', () => {
    expect(loadOutputs().webSocketUrl).toMatch(/^ws:\/\/.+\/_aws\/execute-api\/[A-Za-z0-9]+\/live$/);
  });

  it.concurrent('40 clients at 10 Hz each keep receiving frames (100 more each), seq strictly increasing', async () => {
    const id = await liveCampaign('delivery', { hz: 10 });
    const group = await joinAll(id, 40, 'fan');
    await receiveMore(group, 10, 100, '40 clients at 10 Hz');
    for (const [i, c] of group.entries()) {
      const states = c.states();
      expect(strictlyIncreasing(states), `client ${i} seq ${states.map((s) => s.seq).join(',')}`).toBe(true);
      for (const s of states.slice(0, 3)) campaignStateFrameSchema.parse(s.frame);
    }
    // Every frame counts the live participants.
    const last = group[0]?.states().at(-1)?.frame as { payload: { live_participant_count: number } };
    expect(last.payload.live_participant_count).toBe(40);
    await Promise.all(group.map((c) => c.close()));
    await end(id);
  });

  it.concurrent('a frequency change mid-run: the frames that follow carry it and come at its pace', async () => {
    const id = await liveCampaign('rate-change', { hz: 2 });
    const c = await join(id, unique('rate'));
    await c.waitFor((r) => r.filter((x) => x.frame.type === 'campaign.state').length >= 4, 30_000);
    const before = c.states().slice(-4);
    const slowGap = ((before.at(-1)?.at ?? 0) - (before[0]?.at ?? 0)) / 3;
    const r = await api('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { scheduling: { frequency: 10 } } },
    });
    expect(r.status, r.text).toBe(200);
    const changedAt = Date.now();
    // First frame produced at the new rate (frames carry the frequency they are sent at).
    const first = await c.waitFor(
      (rs) =>
        rs.find((x) => x.at >= changedAt && (x.frame.payload as { frequency?: number })?.frequency === 10),
      10_000,
      'a 10 Hz frame',
    );
    const latency = first.at - changedAt;
    const atTen = (x: Received) =>
      x.at >= first.at &&
      x.frame.type === 'campaign.state' &&
      (x.frame.payload as { frequency?: number })?.frequency === 10;
    await c.waitFor((rs) => rs.filter(atTen).length >= 20, 30_000, '20 frames at 10 Hz');
    const after = c.states().filter((f) => f.at >= first.at);
    // The server's pace, from its own timestamps per seq step (frames the drop policy skipped
    // still advance seq); the median, so one stalled post on a shared machine does not move it.
    const steps = after
      .slice(1)
      .map((f, i) => {
        const prev = after[i];
        if (!prev) return Number.NaN;
        return (Date.parse(String(f.frame.ts)) - Date.parse(String(prev.frame.ts))) / (f.seq - prev.seq);
      })
      .sort((x, y) => x - y);
    const medianMs = steps[Math.floor(steps.length / 2)] ?? Number.NaN;
    console.info(
      `[broadcast] rate change 2 → 10 Hz: first 10 Hz frame ${latency} ms after the PATCH; ` +
        `received ~${(1000 / slowGap).toFixed(1)} Hz before; server pace after: ${medianMs.toFixed(0)} ms per frame`,
    );
    // 10 Hz is 100 ms a frame; the old 2 Hz would be 500.
    expect(medianMs).toBeGreaterThan(50);
    expect(medianMs).toBeLessThan(200);
    expect(strictlyIncreasing(c.states())).toBe(true);
    await c.close();
    await end(id);
  });
});

describe('connections, edges and bad input', () => {
  it.concurrent('disabling broadcast stops the frames and sends broadcast.stopped (frame and event)', async () => {
    const id = await liveCampaign('disable');
    const c = await join(id, unique('off'));
    await c.waitFor((r) => r.filter((x) => x.frame.type === 'campaign.state').length >= 5, 30_000);
    const r = await api('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { service_specific: { campaign: { broadcast_enabled: false } } } },
    });
    expect(r.status, r.text).toBe(200);
    const stopped = await c.waitFor(
      (rs) => rs.find((x) => x.frame.type === 'broadcast.stopped'),
      10_000,
      'broadcast.stopped',
    );
    broadcastNoticeSchema.parse(stopped.frame);
    // Positive barriers, not a pause: the ticker is recorded as stopped, then a ping's pong
    // comes back on the same socket (anything posted before it has arrived).
    await eventually(async () => ((await tickerItem(id))?.status === 'stopped' ? true : undefined), 10_000);
    c.send({ action: 'ping', id: 'after-stop' });
    await c.waitFor(
      (rs) => rs.find((x) => x.frame.type === 'pong' && x.frame.id === 'after-stop'),
      10_000,
      'the pong after the stop',
    );
    // Nothing after the notice, and the ticker is recorded as stopped.
    const afterNotice = c.received.filter((x) => x.at > stopped.at && x.frame.type === 'campaign.state');
    expect(afterNotice).toEqual([]);
    expect(c.states().at(-1)?.at ?? 0).toBeLessThanOrEqual(stopped.at);
    expect(await tickerItem(id)).toMatchObject({ status: 'stopped', stop_reason: 'disabled' });
    // Both edges are events on the bus (the started frame went out before this client joined, or first).
    expect(c.frames('broadcast.started').length).toBeLessThanOrEqual(1);
    await tap.waitFor(
      () =>
        ['broadcast.started', 'broadcast.stopped'].every((t) =>
          tap.eventsFor(id).some((e) => e.detailType === t),
        ),
      20_000,
    );
    const stoppedEvents = tap.eventsFor(id).filter((e) => e.detailType === 'broadcast.stopped');
    expect(stoppedEvents).toHaveLength(1);
    expect(stoppedEvents[0]?.envelope).toMatchObject({
      source: 'tempora.broadcast',
      entity: { type: 'campaign', id },
      payload: { reason: 'disabled' },
    });
    await c.close();
    await end(id);
  });

  it.concurrent('a client that vanishes is removed: on $disconnect, and on 410 Gone when $disconnect never came', async () => {
    const id = await liveCampaign('vanish');
    const stay = await join(id, unique('stay'));
    const gone = await join(id, unique('gone'));
    await stay.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 30_000);
    await eventually(
      async () => ((await liveCount(id)) === 2 ? true : undefined),
      10_000,
      'two participants',
    );
    gone.terminate(); // TCP drop, no close frame
    await eventually(
      async () => ((await liveCount(id)) === 1 ? true : undefined),
      10_000,
      'the vanished client uncounted',
    );

    // A connection whose $disconnect was lost: its item stays until a post finds it 410 Gone.
    const ghost = `ghost${Date.now().toString(36)}`;
    await dynamo().send(
      new PutCommand({
        TableName: table('broadcastConnections'),
        Item: {
          campaign_id: id,
          connection_id: ghost,
          user_id: 'ghost',
          expires_at: Math.floor(Date.now() / 1000) + 600,
        },
      }),
    );
    await dynamo().send(
      new UpdateCommand({
        TableName: table('broadcastState'),
        Key: { campaign_id: id, sk: 'live' },
        UpdateExpression: 'ADD live_count :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await eventually(
      async () => ((await connectionItem(id, ghost)) ? undefined : true),
      10_000,
      'the ghost removed',
    );
    expect(await liveCount(id)).toBe(1);
    // The broadcast went on for the client that stayed.
    const n = stay.states().length;
    await stay.waitFor((r) => r.filter((x) => x.frame.type === 'campaign.state').length >= n + 5, 5_000);
    expect(strictlyIncreasing(stay.states())).toBe(true);
    await stay.close();
    await end(id);
  });

  it.concurrent('max_participants refuses the next client, and admits one again after somebody leaves', async () => {
    const id = await liveCampaign('full', { metadata: { custom_rules: { max_participants: 2 } } });
    const [a, b] = await Promise.all([join(id, unique('p1')), join(id, unique('p2'))]);
    const user = unique('p3');
    const third = await LiveClient.connect({
      campaign_id: id,
      user_id: user,
      token: await tokenFor(user, 'user'),
    });
    expect(third.ok).toBe(false);
    expect(await liveCount(id)).toBe(2);
    await a?.close();
    await eventually(async () => ((await liveCount(id)) === 1 ? true : undefined), 10_000, 'a slot freed');
    const again = await LiveClient.connect({
      campaign_id: id,
      user_id: user,
      token: await tokenFor(user, 'user'),
    });
    expect(again.ok).toBe(true);
    if (again.ok) clients.push(again.client);
    expect(await liveCount(id)).toBe(2);
    await b?.close();
    await end(id);
  });

  it.concurrent('refuses a bad token, an unknown campaign, missing parameters and another user’s token', async () => {
    const id = await liveCampaign('refusals', { metadata: { features: ['leaderboard'] } });
    const user = unique('ref');
    const token = await tokenFor(user, 'user');
    const attempts = await Promise.all([
      LiveClient.connect({ campaign_id: id, user_id: user, token: `${token}x` }),
      LiveClient.connect({ campaign_id: id, user_id: user, token: 'not-a-jwt' }),
      LiveClient.connect({ campaign_id: '01NOSUCHCAMPAIGN000000000', user_id: user, token }),
      LiveClient.connect({ campaign_id: id, user_id: user }),
      LiveClient.connect({ user_id: user, token }),
      LiveClient.connect({ campaign_id: id, user_id: `${user}-other`, token }),
    ]);
    expect(attempts.map((a) => a.ok)).toEqual([false, false, false, false, false, false]);
    // The same user with its own token gets in (an admin token may connect as anybody).
    const ok = await Promise.all([
      LiveClient.connect({ campaign_id: id, user_id: user, token }),
      LiveClient.connect({ campaign_id: id, user_id: 'anyone', token: loadOutputs().tokens.admin }),
    ]);
    expect(ok.map((o) => o.ok)).toEqual([true, true]);
    for (const o of ok) if (o.ok) await o.client.close();
    await end(id);
  });

  it.concurrent('bad frames get error frames; ping and score are answered; the connection and the broadcast go on', async () => {
    const id = await liveCampaign('bad-frames');
    const c = await join(id, unique('bad'));
    await c.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 30_000);
    const errorsOf = () => c.frames('error').map((e) => errorFrameSchema.parse(e.frame));

    c.send('{"action": "ping"'); // invalid JSON
    c.send({ action: 'dance', id: 'u1' });
    c.send({ action: 'score', delta: 'lots', id: 's1' });
    c.send({ action: 'ping', extra: true, id: 'p0' });
    c.send(JSON.stringify({ action: 'ping', pad: 'x'.repeat(8_000) })); // oversized
    c.send('[1,2,3]');
    await c.waitFor(() => errorsOf().length >= 6, 15_000, 'six error frames');
    expect(
      errorsOf()
        .map((e) => e.code)
        .sort(),
    ).toEqual(
      [
        'invalid_json',
        'invalid_message',
        'invalid_message',
        'invalid_message',
        'message_too_large',
        'unknown_action',
      ].sort(),
    );
    expect(errorsOf().find((e) => e.code === 'unknown_action')?.id).toBe('u1');

    c.send({ action: 'ping', id: 'p1' });
    const pong = await c.waitFor((r) => r.find((x) => x.frame.type === 'pong'), 10_000, 'pong');
    expect(pongFrameSchema.parse(pong.frame).id).toBe('p1');

    c.send({ action: 'score', delta: 7, id: 's2' });
    const score = await c.waitFor((r) => r.find((x) => x.frame.type === 'score'), 10_000, 'score');
    expect(scoreFrameSchema.parse(score.frame)).toMatchObject({ campaign_id: id, score: 7, id: 's2' });
    expect(c.closed).toBe(false);
    const n = c.states().length;
    await c.waitFor(
      (r) => r.filter((x) => x.frame.type === 'campaign.state').length >= n + 5,
      10_000,
      'frames after the bad ones',
    );
    expect(strictlyIncreasing(c.states())).toBe(true);

    await c.close();
    await end(id);
  });

  it.concurrent('POST /api/campaigns/{id}/scores updates the leaderboard atomically; frames carry the top N', async () => {
    const id = await liveCampaign('scores');
    const viewer = await join(id, unique('viewer'));
    const players = Array.from({ length: 12 }, (_, i) => `player-${String(i).padStart(2, '0')}`);
    // Concurrent increments of one user never lose each other.
    const bumps = await Promise.all(
      Array.from({ length: 10 }, () =>
        api('POST', `/api/campaigns/${id}/scores`, { body: { user: players[0], delta: 1 } }),
      ),
    );
    expect(bumps.map((b) => b.status)).toEqual(Array(10).fill(200));
    for (const [i, p] of players.entries()) {
      if (i === 0) continue;
      const r = await api('POST', `/api/campaigns/${id}/scores`, { body: { user: p, delta: i * 2 } });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual({ campaign_id: id, user: p, score: i * 2 });
    }
    const board = await viewer.waitFor(
      (rs) => {
        const last = rs.filter((x) => x.frame.type === 'campaign.state').at(-1)?.frame as
          | { payload: { leaderboard: Array<{ user: string; score: number }> } }
          | undefined;
        return last && last.payload.leaderboard.length === 10 && last.payload.leaderboard[0]?.score === 22
          ? last.payload.leaderboard
          : undefined;
      },
      10_000,
      'the top 10 in a frame',
    );
    expect(board.map((e) => e.score)).toEqual([22, 20, 18, 16, 14, 12, 10, 10, 8, 6]);
    expect(board.find((e) => e.user === players[0])).toEqual({ user: players[0], score: 10 });
    expect([board[6]?.user, board[7]?.user]).toEqual([players[0], players[5]]); // ties by user id

    // Contract errors.
    expect(
      (
        await api('POST', '/api/campaigns/01NOSUCHCAMPAIGN000000000/scores', {
          body: { user: 'x', delta: 1 },
        })
      ).status,
    ).toBe(404);
    const bad = await api<{ error: { details: { issues: Array<{ path: string }> } } }>(
      'POST',
      `/api/campaigns/${id}/scores`,
      {
        body: { user: '', delta: 'x' },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i) => i.path).sort()).toEqual(['delta', 'user']);
    expect(
      (
        await api('POST', `/api/campaigns/${id}/scores`, {
          as: 'user',
          body: { user: 'someone-else', delta: 1 },
        })
      ).status,
    ).toBe(403);
    expect(
      (await api('POST', `/api/campaigns/${id}/scores`, { as: 'user', body: { user: 'dev-user', delta: 1 } }))
        .status,
    ).toBe(200);
    expect(
      (await api('POST', `/api/campaigns/${id}/scores`, { as: null, body: { user: 'x', delta: 1 } })).status,
    ).toBe(401);
    // Each update is a campaign.score event.
    await tap.waitFor(
      () => tap.eventsFor(id).filter((e) => e.detailType === 'campaign.score').length >= 22,
      20_000,
    );
    await viewer.close();
    await end(id);
  });

  it.concurrent('a future start_time waits, frames run in [start_time, end_time), then broadcast.stopped', async () => {
    const start = Date.now() + 8_000;
    const endAt = start + 5_000;
    const id = await liveCampaign('window', {
      scheduling: { start_time: new Date(start).toISOString(), end_time: new Date(endAt).toISOString() },
    });
    const c = await join(id, unique('window'));
    const stopped = await c.waitFor(
      (r) => r.find((x) => x.frame.type === 'broadcast.stopped'),
      30_000,
      'the end',
    );
    const states = c.states();
    const started = c.frames('broadcast.started')[0];
    expect(started).toBeDefined();
    const firstTs = Date.parse(String(states[0]?.frame.ts));
    const lastTs = Date.parse(String(states.at(-1)?.frame.ts));
    console.info(
      `[broadcast] window: first frame ${firstTs - start} ms after start_time, last ${endAt - lastTs} ms before end_time, ` +
        `${states.length} frames (expected ${((endAt - start) / 1000) * HZ})`,
    );
    // Behaviour, not timing (how soon after start_time the first frame comes is printed above;
    // on shared cores it depends on the emulator's cold start): nothing before the window,
    // nothing after it, frames within it, then the stop.
    expect(states.length).toBeGreaterThan(0);
    expect(firstTs).toBeGreaterThanOrEqual(start);
    expect(lastTs).toBeLessThan(endAt);
    expect(stopped.at).toBeGreaterThan(states.at(-1)?.at ?? 0);
    expect(await tickerItem(id)).toMatchObject({ status: 'stopped', stop_reason: 'ended' });
    await c.close();
    await end(id);
  });
});

/**
 * On its own, after the scenarios above: the emulator runs a function's WebSocket
 * invocations one at a time (~70-140 ms each), so a flood would delay the other
 * scenarios' handshakes. (On the emulator a flood cannot reach 100 messages a second for
 * the same reason: the limiter's verdicts are covered by test/unit/broadcast/rate-limit.test.ts.)
 */
describe('a flood of messages', () => {
  it('answers each message with a pong or one rate_limited error per window; the connection and the broadcast go on', async () => {
    const id = await liveCampaign('flood');
    const c = await join(id, unique('flood'));
    await c.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 30_000);
    const before = c.received.length;
    const sentAt = Date.now();
    for (let i = 0; i < 60; i += 1) c.send({ action: 'ping', id: `f${i}` });
    await c.waitFor(
      (r) =>
        r.slice(before).filter((x) => x.frame.type === 'pong').length >= 1 && Date.now() - sentAt > 3_000,
      20_000,
      'the flood to be answered',
    );
    const answers = () => c.received.slice(before).filter((r: Received) => r.frame.type !== 'campaign.state');
    expect(answers().every((a) => a.frame.type === 'pong' || a.frame.code === 'rate_limited')).toBe(true);
    expect(c.frames('error').filter((e) => e.frame.code === 'rate_limited').length).toBeLessThanOrEqual(1);
    expect(c.closed).toBe(false);
    const n = c.states().length;
    await c.waitFor(
      (r) => r.filter((x) => x.frame.type === 'campaign.state').length >= n + 5,
      10_000,
      'frames after the flood',
    );
    expect(strictlyIncreasing(c.states())).toBe(true);
    console.info(
      `[broadcast] flood of 60 pings: ${answers().filter((a) => a.frame.type === 'pong').length} pongs, ` +
        `${answers().filter((a) => a.frame.code === 'rate_limited').length} rate_limited after ${Date.now() - sentAt} ms`,
    );
    await c.close();
    await end(id);
  });
});

/**
 * Configuration of the broadcast function changed from outside (as an operator would): a
 * small shard size forces a campaign of 10 clients onto 3 shards, and a 1 s on-change
 * heartbeat keeps the test short. Last in the file, so no other scenario runs meanwhile.
 */
describe('shards and on-change mode (function configuration changed)', () => {
  let restore: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // A clean slate: the configuration applies to every campaign, so end the earlier ones
    // (a failed scenario leaves its campaign and clients behind).
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(campaigns.map((id) => api('DELETE', `/api/campaigns/${id}`)));
    const ticker = loadOutputs().stackOutputs.BroadcastTickerFunctionName ?? '';
    expect(ticker, 'the ticker function').not.toBe('');
    restore = await patchEnvironment(ticker, {
      CONNECTIONS_PER_SHARD: '4',
      ON_CHANGE_HEARTBEAT_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await restore?.();
  });

  it('a campaign on 3 shards: every client gets its frames, seq strictly increasing, none duplicated', async () => {
    const id = await liveCampaign('sharded', { hz: 5 });
    const group = await joinAll(id, 10, 'shard');
    // The owner re-plans at its next segment with the 10 connections it lists: wait for a
    // shard execution to exist before measuring (its heartbeat item).
    await eventually(async () => {
      const beat = await dynamo().send(
        new GetCommand({
          TableName: table('broadcastState'),
          Key: { campaign_id: id, sk: 'shard#2' },
          ConsistentRead: true,
        }),
      );
      return beat.Item !== undefined && Date.now() - Number(beat.Item.at) < 3000 ? beat.Item : undefined;
    }, 90_000);
    // Every shard serving (a shard's first invocation is a cold start): 3 new frames each.
    await Promise.all(
      group.map((c) => {
        const seen = c.states().length;
        return c.waitFor(() => c.states().length >= seen + 3, 45_000, 'frames from its shard');
      }),
    );
    await receiveMore(group, 5, 40, '10 clients at 5 Hz on 3 shards');
    for (const [i, c] of group.entries()) {
      const seqs = c.states().map((s) => s.seq);
      expect(new Set(seqs).size, `client ${i} duplicated seq ${seqs.join(',')}`).toBe(seqs.length);
      expect(strictlyIncreasing(c.states()), `client ${i} seq ${seqs.join(',')}`).toBe(true);
    }
    await Promise.all(group.map((c) => c.close()));
    await end(id);
  });

  it('on-change mode: only heartbeats while nothing changes, a frame as soon as the leaderboard does', async () => {
    const id = await liveCampaign('on-change', {
      hz: 10,
      metadata: { service_specific: { campaign: { broadcast_enabled: true, broadcast_mode: 'on_change' } } },
    });
    const user = unique('oc');
    const c = await join(id, user);
    await c.waitFor((r) => r.some((x) => x.frame.type === 'campaign.state'), 45_000);
    const from = Date.now();
    // Three frames while nothing changes (a positive barrier): heartbeats, about one a second.
    await c.waitFor(
      (r) => r.filter((x) => x.at >= from && x.frame.type === 'campaign.state').length >= 3,
      30_000,
    );
    const quiet = c.states().filter((f) => f.at >= from);
    const quietSeconds = (Date.now() - from) / 1000;
    // At 10 Hz that would be ~10 frames a second; unchanged, a heartbeat a second.
    expect(quiet.length, `frames while quiet: ${quiet.length} in ${quietSeconds} s`).toBeLessThanOrEqual(
      Math.ceil(quietSeconds * 2) + 1,
    );
    for (const f of quiet) expect((f.frame.payload as { heartbeat?: boolean }).heartbeat).toBe(true);
    const r = await api('POST', `/api/campaigns/${id}/scores`, { body: { user, delta: 7 } });
    expect(r.status, r.text).toBe(200);
    const changed = await c.waitFor(
      (rs) =>
        rs.find(
          (x) =>
            x.frame.type === 'campaign.state' &&
            (x.frame.payload as { heartbeat?: boolean }).heartbeat !== true &&
            JSON.stringify(x.frame.payload).includes(user),
        ),
      10_000,
      'a frame with the new score',
    );
    expect(
      (changed.frame.payload as { leaderboard: Array<{ user: string; score: number }> }).leaderboard,
    ).toContainEqual({
      user,
      score: 7,
    });
    expect(strictlyIncreasing(c.states())).toBe(true);
    await c.close();
    await end(id);
  });
});
