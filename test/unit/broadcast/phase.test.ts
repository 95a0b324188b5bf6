import { describe, expect, it } from 'vitest';
import {
  broadcastPhase,
  type CampaignSnapshot,
  controlDecision,
  executionName,
  frequencyOf,
  tickerVerdict,
} from '../../../lib/broadcast/phase.ts';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const LEAD = 60_000;

function campaign(m: Partial<Metadata> = {}, state = 'active'): CampaignSnapshot {
  return {
    id: '01JCAMPAIGN0000000000000000',
    state,
    metadata: {
      features: ['broadcast'],
      scheduling: { frequency: 5, start_time: iso(NOW - 60_000), end_time: iso(NOW + 60_000) },
      service_specific: { campaign: { broadcast_enabled: true } },
      ...m,
    },
  };
}

describe('broadcastPhase', () => {
  it('is live inside [start_time, end_time) with feature broadcast and broadcast_enabled true', () => {
    expect(broadcastPhase(campaign(), NOW)).toEqual({ phase: 'live', hz: 5, endsAt: NOW + 60_000 });
  });

  it('start_time is inclusive, end_time exclusive', () => {
    const c = campaign({ scheduling: { start_time: iso(NOW), end_time: iso(NOW + 1000) } });
    expect(broadcastPhase(c, NOW).phase).toBe('live');
    expect(broadcastPhase(c, NOW - 1).phase).toBe('upcoming');
    expect(broadcastPhase(c, NOW + 999).phase).toBe('live');
    expect(broadcastPhase(c, NOW + 1000)).toEqual({ phase: 'off', reason: 'ended' });
  });

  it('open bounds: no start_time is started, no end_time never ends', () => {
    expect(broadcastPhase(campaign({ scheduling: { frequency: 2 } }), NOW)).toEqual({
      phase: 'live',
      hz: 2,
      endsAt: undefined,
    });
  });

  it('says why it is off', () => {
    expect(broadcastPhase(undefined, NOW)).toEqual({ phase: 'off', reason: 'deleted' });
    expect(broadcastPhase(campaign({}, 'archived'), NOW)).toEqual({ phase: 'off', reason: 'inactive' });
    expect(broadcastPhase(campaign({ features: ['leaderboard'] }), NOW)).toEqual({
      phase: 'off',
      reason: 'no_feature',
    });
    for (const ns of [{ broadcast_enabled: false }, {}, { broadcast_enabled: 'true' }]) {
      expect(broadcastPhase(campaign({ service_specific: { campaign: ns } }), NOW)).toEqual({
        phase: 'off',
        reason: 'disabled',
      });
    }
    expect(broadcastPhase(campaign({ service_specific: {} }), NOW).phase).toBe('off');
  });

  it('frequency: default 1 Hz, clamped to the metadata maximum', () => {
    expect(frequencyOf({})).toBe(1);
    expect(frequencyOf({ scheduling: { frequency: 0.5 } })).toBe(0.5);
    expect(frequencyOf({ scheduling: { frequency: 500 } })).toBe(50);
    expect(frequencyOf({ scheduling: { frequency: -1 } })).toBe(1);
  });
});

describe('controlDecision', () => {
  it('runs a live campaign, and one starting within the lead', () => {
    expect(controlDecision(broadcastPhase(campaign(), NOW), NOW, LEAD)).toEqual({ action: 'run' });
    const soon = campaign({ scheduling: { start_time: iso(NOW + LEAD) } });
    expect(controlDecision(broadcastPhase(soon, NOW), NOW, LEAD)).toEqual({ action: 'run' });
  });

  it('schedules a later start lead ms ahead', () => {
    const later = campaign({ scheduling: { start_time: iso(NOW + 3_600_000) } });
    expect(controlDecision(broadcastPhase(later, NOW), NOW, LEAD)).toEqual({
      action: 'schedule',
      runAt: iso(NOW + 3_600_000 - LEAD),
    });
  });

  it('stops with the reason otherwise', () => {
    expect(controlDecision(broadcastPhase(undefined, NOW), NOW, LEAD)).toEqual({
      action: 'stop',
      reason: 'deleted',
    });
  });
});

describe('tickerVerdict', () => {
  const me = 'exec-1';
  const running = { status: 'running' as const, execution: me };

  it('superseded when the ticker item names another execution or is gone', () => {
    expect(tickerVerdict(campaign(), { ...running, execution: 'exec-2' }, me, NOW, LEAD)).toEqual({
      kind: 'superseded',
    });
    expect(tickerVerdict(campaign(), undefined, me, NOW, LEAD)).toEqual({ kind: 'superseded' });
  });

  it('stopped when the controller stopped it', () => {
    expect(tickerVerdict(campaign(), { status: 'stopped', execution: me }, me, NOW, LEAD)).toEqual({
      kind: 'stopped',
    });
  });

  it('live, wait, or stop with the reason', () => {
    expect(tickerVerdict(campaign(), running, me, NOW, LEAD)).toEqual({
      kind: 'live',
      hz: 5,
      endsAt: NOW + 60_000,
    });
    const soon = campaign({ scheduling: { start_time: iso(NOW + 5_000) } });
    expect(tickerVerdict(soon, running, me, NOW, LEAD)).toEqual({
      kind: 'wait',
      startsAt: NOW + 5_000,
      hz: 1,
    });
    const moved = campaign({ scheduling: { start_time: iso(NOW + 3_600_000) } });
    expect(tickerVerdict(moved, running, me, NOW, LEAD)).toEqual({ kind: 'stop', reason: 'not_started' });
    expect(tickerVerdict(campaign(), running, me, NOW + 60_000, LEAD)).toEqual({
      kind: 'stop',
      reason: 'ended',
    });
  });
});

describe('executionName', () => {
  it('is deterministic per campaign, epoch and generation', () => {
    expect(executionName('01JCAMPAIGN0000000000000000', 3, 0)).toBe('01JCAMPAIGN0000000000000000-e3-g0');
    expect(executionName('abc', 1, 2)).toBe(executionName('abc', 1, 2));
    expect(executionName('abc', 1, 2)).not.toBe(executionName('abc', 2, 1));
  });

  it('fits the 80-character [A-Za-z0-9_-] rule whatever the id', () => {
    for (const id of ['x'.repeat(128), 'weird id/with:chars', 'é']) {
      const name = executionName(id, 999999, 999999);
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
    expect(executionName('x'.repeat(128), 1, 0)).not.toBe(executionName(`${'x'.repeat(127)}y`, 1, 0));
  });
});
