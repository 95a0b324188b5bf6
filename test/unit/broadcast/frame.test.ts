import { describe, expect, it } from 'vitest';
import {
  broadcastNotice,
  broadcastNoticeSchema,
  campaignStateFrame,
  campaignStateFrameSchema,
  parseCampaignStateFrame,
  rfc3339Of,
} from '../../../lib/broadcast/frame.ts';

const payload = {
  leaderboard: [
    { user: 'alice', score: 120 },
    { user: 'bob', score: 100 },
  ],
  live_participant_count: 2,
};

describe('campaign.state frames', () => {
  it('builds the contract shape with an RFC 3339 ts', () => {
    const text = campaignStateFrame({ campaignId: 'camp-1', seq: 3, ts: Date.UTC(2025, 5, 1, 12), payload });
    expect(JSON.parse(text)).toEqual({
      type: 'campaign.state',
      campaign_id: 'camp-1',
      seq: 3,
      ts: '2025-06-01T12:00:00.000Z',
      payload,
    });
    expect(parseCampaignStateFrame(text).seq).toBe(3);
  });

  it('accepts Date and RFC 3339 string timestamps and keeps extra payload fields', () => {
    const extra = { ...payload, phase: 'final' };
    const fromDate = campaignStateFrame({ campaignId: 'c', seq: 1, ts: new Date(0), payload: extra });
    const fromText = campaignStateFrame({
      campaignId: 'c',
      seq: 1,
      ts: '1970-01-01T00:00:00Z',
      payload: extra,
    });
    expect(fromDate).toBe(fromText);
    expect(parseCampaignStateFrame(fromDate).payload).toEqual(extra);
    expect(rfc3339Of('2025-06-01T02:00:00+02:00')).toBe('2025-06-01T00:00:00.000Z');
  });

  it('rejects frames that break the contract', () => {
    const good = JSON.parse(campaignStateFrame({ campaignId: 'c', seq: 1, ts: 0, payload }));
    expect(campaignStateFrameSchema.safeParse(good).success).toBe(true);
    for (const bad of [
      { ...good, type: 'other' },
      { ...good, seq: 0 },
      { ...good, ts: 'yesterday' },
      { ...good, campaign_id: '' },
      { ...good, extra: true },
      { ...good, payload: { leaderboard: [] } },
    ]) {
      expect(campaignStateFrameSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('broadcast notices', () => {
  it('builds broadcast.started and broadcast.stopped', () => {
    for (const type of ['broadcast.started', 'broadcast.stopped'] as const) {
      const notice = JSON.parse(broadcastNotice({ type, campaignId: 'camp-1', ts: 0 }));
      expect(notice).toEqual({ type, campaign_id: 'camp-1', ts: '1970-01-01T00:00:00.000Z' });
      expect(broadcastNoticeSchema.safeParse(notice).success).toBe(true);
    }
  });
});

describe('frame size', () => {
  it('the largest possible campaign.state frame stays under API Gateway’s 32 KB frame limit', async () => {
    const { MAX_TOP_N } = await import('../../../lib/broadcast/leaderboard.ts');
    const { userIdSchema } = await import('../../../lib/broadcast/messages.ts');
    const longest = 'u'.repeat(128);
    expect(userIdSchema.safeParse(longest).success).toBe(true);
    expect(userIdSchema.safeParse(`${longest}u`).success).toBe(false);
    const frame = campaignStateFrame({
      campaignId: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
      seq: Number.MAX_SAFE_INTEGER,
      ts: Date.now(),
      payload: {
        leaderboard: Array.from({ length: MAX_TOP_N }, (_, i) => ({
          user: `${String(i).padStart(3, '0')}${longest.slice(3)}`,
          score: -Number.MAX_VALUE,
        })),
        live_participant_count: Number.MAX_SAFE_INTEGER,
        frequency: 50,
        heartbeat: true,
      },
    });
    expect(Buffer.byteLength(frame)).toBeLessThan(32 * 1024);
    expect(Buffer.byteLength(frame)).toBeGreaterThan(15_000); // the worst case really is big
  });
});
