/**
 * The local emulator's WebSocket API behaves as API Gateway does where the broadcast tests
 * depend on it (localstack/ministack_ws.py):
 * - a `$connect` the Lambda refuses is answered with the Lambda's status and JSON body, which
 *   a `ws` client reads from its 'unexpected-response' event;
 * - the `emulator_post_delay_ms=<n>` connect parameter (fault injection from outside the code)
 *   holds every post to that one connection n ms, as a slow reader would: the drop policy then
 *   gives it fewer frames, and the other connections keep their pace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from './support/campaigns.ts';
import { api } from './support/client.ts';
import { tokenFor } from './support/tokens.ts';
import { LiveClient, type Received } from './support/ws-client.ts';

const clients: LiveClient[] = [];
const campaigns: string[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(campaigns.map((id) => api('DELETE', `/api/campaigns/${id}`)));
});

const unique = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

interface ErrorBody {
  error: { code: string; message: string };
}

/** The refusal of a connect with `query`: its HTTP status and parsed JSON body. */
async function refusal(
  query: Record<string, string>,
): Promise<{ status: number | undefined; body: ErrorBody }> {
  const outcome = await LiveClient.connect(query);
  if (outcome.ok) {
    await outcome.client.close();
    throw new Error(`connect ${JSON.stringify(query)} was accepted`);
  }
  expect(outcome.body, outcome.reason).toBeTruthy();
  return { status: outcome.status, body: JSON.parse(outcome.body ?? '') as ErrorBody };
}

/** Median of the gaps between consecutive arrivals, in ms. */
function medianGap(frames: Received[]): number {
  const gaps = frames
    .slice(1)
    .map((f, i) => f.at - (frames[i]?.at ?? f.at))
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? Number.NaN;
}

describe('emulator WebSocket API', () => {
  it.concurrent("a refused $connect answers the Lambda's status and a JSON body naming the field", async () => {
    const user = unique('refused');
    const token = await tokenFor(user, 'user');
    const [badId, noToken] = await Promise.all([
      refusal({ campaign_id: 'bad!id', user_id: user, token }),
      refusal({ campaign_id: '01NOSUCHCAMPAIGN000000000', user_id: user }),
    ]);
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('bad_request');
    expect(badId.body.error.message).toContain('campaign_id');
    // Not one status for every refusal: the Lambda's own.
    expect(noToken.status).toBe(401);
    expect(noToken.body.error.code).toBe('unauthorized');
    expect(noToken.body.error.message).toContain('token');
  });

  it.concurrent('emulator_post_delay_ms=500 slows that connection only: fewer frames, ~500 ms apart', async () => {
    const id = await createLiveCampaign('emulator slow client', { hz: 10 });
    campaigns.push(id);
    const normalUser = unique('normal');
    const slowUser = unique('slow');
    const [normal, slow] = await Promise.all([
      LiveClient.join(id, normalUser),
      LiveClient.open({
        campaign_id: id,
        user_id: slowUser,
        token: await tokenFor(slowUser, 'user'),
        emulator_post_delay_ms: '500',
      }),
    ]);
    clients.push(normal, slow);
    const onAir = (c: LiveClient) => c.waitFor(() => c.states().length > 0, 45_000, 'a first state frame');
    await Promise.all([onAir(normal), onAir(slow)]);

    // A window that ends when the normal client has 30 more frames and the slow one 3 more.
    const from = Date.now();
    const since = (c: LiveClient) => c.states().filter((f) => f.at >= from);
    await Promise.all([
      normal.waitFor(() => since(normal).length >= 30, 60_000, '30 more frames (normal client)'),
      slow.waitFor(() => since(slow).length >= 3, 60_000, '3 more frames (slow client)'),
    ]);
    const to = Date.now();
    const inWindow = (c: LiveClient) => since(c).filter((f) => f.at <= to);
    const fast = inWindow(normal);
    const slowed = inWindow(slow);
    const missed = slowed.reduce((n, f) => n + (Number(f.frame.missed) || 0), 0);
    console.info(
      `[emulator-ws] ${((to - from) / 1000).toFixed(1)} s at 10 Hz: normal ${fast.length} frames ` +
        `(median gap ${medianGap(fast)} ms), slowed by 500 ms ${slowed.length} frames ` +
        `(median gap ${medianGap(slowed)} ms, missed ${missed})`,
    );
    // Each post to the slow client is held 500 ms and the drop policy skips it meanwhile.
    expect(medianGap(slowed)).toBeGreaterThanOrEqual(450);
    expect(slowed.length).toBeLessThan(fast.length / 2);
  });
});
