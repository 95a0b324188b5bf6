/**
 * The scheduler's pure parts: intent ids and schedule names, the `scheduler.schedule` payload
 * contract, the intents the platform plans by itself, and ISO 8601 durations.
 */
import { describe, expect, it } from 'vitest';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';
import { MIN_LEAD_MS, schedulePayloadSchema } from '../../../lib/events/schedule.ts';
import { addDuration, isFiniteRetention } from '../../../lib/policy/duration.ts';
import {
  ARCHIVE_PATTERN,
  archiveIntent,
  plannedIntents,
  RETENTION_PATTERN,
  retentionIntent,
} from '../../../lib/policy/lifecycle.ts';
import type { Policy } from '../../../lib/policy/matrix.ts';
import { getService } from '../../../lib/registry/index.ts';
import { atExpression, intentId, scheduleName } from '../../../lib/scheduler/names.ts';

/** EventBridge Scheduler's constraint on a schedule name. */
const SCHEDULE_NAME_RE = /^[0-9A-Za-z_.-]{1,64}$/;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const policy = (retention: string): Policy => ({
  retention,
  access: 'full',
  validation: 'strict',
  exposure: 'full',
});
const entity = (id: string, metadata: Metadata = {}) => ({ id, metadata });
const ending = (id: string, end: string) => entity(id, { scheduling: { end_time: end } });
const user = getService('user');
const campaign = getService('campaign');

describe('intentId', () => {
  it('is deterministic per (entity type, entity id, pattern)', () => {
    expect(intentId('user', 'u1', 'retention')).toBe(intentId('user', 'u1', 'retention'));
    expect(intentId('user', 'u1', 'retention')).toMatch(/^int_[0-9a-f]{40}$/);
  });

  it('differs when any of the three differs', () => {
    const ids = [
      intentId('user', 'u1', 'retention'),
      intentId('campaign', 'u1', 'retention'),
      intentId('user', 'u2', 'retention'),
      intentId('user', 'u1', 'archive-after-end'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not collide when characters move between the parts', () => {
    expect(intentId('ab', 'c', 'p')).not.toBe(intentId('a', 'bc', 'p'));
    expect(intentId('a', 'b', 'cp')).not.toBe(intentId('a', 'bc', 'p'));
  });
});

describe('scheduleName', () => {
  const id = intentId('user', 'u1', 'retention');

  it('is <env>-<intent id, 128 bits>.<generation>: one name per generation, ≤ 64 valid characters', () => {
    const env = 'abcdefghijklmnop';
    expect(env).toHaveLength(16);
    const name = scheduleName(env, id, 2);
    expect(name).toBe(`${env}-${id.slice(0, 36)}.2`);
    expect(name).toMatch(SCHEDULE_NAME_RE);
    expect(scheduleName(env, id, 1)).not.toBe(name);
    // The longest environment the app accepts (16) with a 10-digit generation still fits.
    expect(scheduleName(env, id, 4_000_000_000)).toHaveLength(64);
  });

  it('refuses names longer than 64 characters', () => {
    expect(scheduleName('a'.repeat(16), id, 1)).toMatch(SCHEDULE_NAME_RE);
    expect(() => scheduleName('a'.repeat(27), id, 1)).toThrowError(/Invalid schedule name/);
  });

  it('refuses characters EventBridge Scheduler does not allow', () => {
    expect(() => scheduleName('dev/x', id, 1)).toThrowError(/Invalid schedule name/);
    expect(() => scheduleName('dév', id, 1)).toThrowError(/Invalid schedule name/);
  });
});

describe('atExpression', () => {
  it('is at(yyyy-mm-ddThh:mm:ss) in UTC, without offset, milliseconds rounded up (never before run_at)', () => {
    expect(atExpression(new Date('2030-01-02T03:04:05.678Z'))).toBe('at(2030-01-02T03:04:06)');
    expect(atExpression(new Date('2030-01-02T03:04:05.000Z'))).toBe('at(2030-01-02T03:04:05)');
    expect(atExpression(new Date('2030-01-02T03:04:05+02:00'))).toBe('at(2030-01-02T01:04:05)');
    expect(atExpression(new Date('2030-12-31T23:59:59.999Z'))).toBe('at(2031-01-01T00:00:00)');
  });
});

// ---------------------------------------------------------------------------------------

describe('schedulePayloadSchema (the scheduler.schedule contract)', () => {
  const valid = {
    action: 'delete',
    run_at: '2030-01-01T00:00:00Z',
    pattern: 'retention',
    cancel_on: ['user.reactivated', 'policy_override'],
    entity: { type: 'user', id: 'u1' },
  };
  /** `[path, message]` of every issue of a refused payload. */
  const issues = (input: unknown): Array<[string, string]> => {
    const r = schedulePayloadSchema.safeParse(input);
    expect(r.success, JSON.stringify(input)).toBe(false);
    return (r.error?.issues ?? []).map((i) => [i.path.join('.'), i.message]);
  };
  const paths = (input: unknown) => issues(input).map(([p]) => p);

  it('accepts a valid payload and keeps it as given', () => {
    expect(schedulePayloadSchema.parse(valid)).toEqual(valid);
  });

  it('accepts every action of the contract, refuses any other, and accepts an offset run_at', () => {
    for (const action of ['delete', 'archive', 'run_pattern'])
      expect(schedulePayloadSchema.safeParse({ ...valid, action }).success).toBe(true);
    expect(paths({ ...valid, action: 'explode' })).toEqual(['action']);
    expect(schedulePayloadSchema.safeParse({ ...valid, run_at: '2030-01-01T02:00:00+02:00' }).success).toBe(
      true,
    );
  });

  it('defaults cancel_on to [] and keeps an optional payload object', () => {
    const { cancel_on: _, ...rest } = valid;
    expect(schedulePayloadSchema.parse(rest).cancel_on).toEqual([]);
    expect(schedulePayloadSchema.parse({ ...valid, payload: { a: 1 } }).payload).toEqual({ a: 1 });
    expect(paths({ ...valid, payload: 'x' })).toEqual(['payload']);
  });

  it('refuses an unparseable run_at, naming it', () => {
    for (const run_at of [
      'tomorrow',
      '2030-01-01',
      '2030-01-01T00:00:00',
      '2030-13-01T00:00:00Z',
      1_900_000_000,
    ])
      expect(issues({ ...valid, run_at })[0]?.[0], String(run_at)).toBe('run_at');
    expect(issues({ ...valid, run_at: 'tomorrow' })).toEqual([['run_at', 'must be an RFC 3339 date-time']]);
  });

  it('refuses an unknown action', () => {
    expect(paths({ ...valid, action: 'explode' })).toEqual(['action']);
    expect(paths({ ...valid, action: undefined })).toEqual(['action']);
  });

  it('refuses an empty (or blank) pattern and one with other characters', () => {
    expect(issues({ ...valid, pattern: '' })).toContainEqual(['pattern', 'must not be empty']);
    expect(issues({ ...valid, pattern: '   ' })).toContainEqual(['pattern', 'must not be empty']);
    expect(paths({ ...valid, pattern: 'a/b' })).toEqual(['pattern']);
    expect(paths({ ...valid, pattern: 'x'.repeat(65) })).toEqual(['pattern']);
  });

  it('refuses cancel_on that is not a list of event types, naming the bad entry', () => {
    expect(paths({ ...valid, cancel_on: 'user.reactivated' })).toEqual(['cancel_on']);
    expect(paths({ ...valid, cancel_on: ['user.reactivated', 'User Reactivated'] })).toEqual(['cancel_on.1']);
    expect(paths({ ...valid, cancel_on: [42] })).toEqual(['cancel_on.0']);
    expect(paths({ ...valid, cancel_on: ['*'] })).toEqual(['cancel_on.0']);
    expect(paths({ ...valid, cancel_on: Array.from({ length: 21 }, () => 'a.b') })).toEqual(['cancel_on']);
  });

  it('refuses a missing or incomplete entity', () => {
    const { entity: _, ...noEntity } = valid;
    expect(paths(noEntity)).toEqual(['entity']);
    expect(paths({ ...valid, entity: { type: 'user' } })).toEqual(['entity.id']);
    expect(paths({ ...valid, entity: { type: '', id: 'u1' } })).toEqual(['entity.type']);
    expect(paths({ ...valid, entity: { type: 'user', id: 'u1', version: 1 } })).toEqual(['entity']);
  });

  it('refuses unknown top-level fields', () => {
    const r = schedulePayloadSchema.safeParse({ ...valid, when: 'now' });
    expect(r.error?.issues.map((i) => i.code)).toEqual(['unrecognized_keys']);
  });

  it('reports every bad field at once', () => {
    expect([...new Set(paths({ action: 'x', run_at: 'y', pattern: '', cancel_on: 'z' }))].sort()).toEqual(
      ['action', 'cancel_on', 'entity', 'pattern', 'run_at'].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------

describe('retentionIntent', () => {
  it('plans a delete at now + retention, cancelled by <entity>.reactivated or policy_override', () => {
    expect(retentionIntent(user, entity('u1'), policy('P90D'), NOW)).toEqual({
      action: 'delete',
      run_at: '2026-05-30T12:00:00.000Z',
      pattern: RETENTION_PATTERN,
      cancel_on: ['user.reactivated', 'policy_override'],
      entity: { type: 'user', id: 'u1' },
    });
  });

  it('uses the entity type of the service, not its name', () => {
    const order = retentionIntent(getService('commerce'), entity('o1'), policy('P7D'), NOW);
    expect(order?.entity).toEqual({ type: 'order', id: 'o1' });
    expect(order?.cancel_on).toEqual(['order.reactivated', 'policy_override']);
  });

  it('plans nothing for retention "forever" (or anything that is not a duration)', () => {
    expect(retentionIntent(user, entity('u1'), policy('forever'), NOW)).toBeUndefined();
    expect(retentionIntent(user, entity('u1'), policy('90 days'), NOW)).toBeUndefined();
  });

  it('produces a payload the scheduler accepts', () => {
    const p = retentionIntent(user, entity('u1'), policy('P1Y'), NOW);
    expect(schedulePayloadSchema.parse(p)).toEqual(p);
  });
});

describe('archiveIntent (campaign: archiveAfterEnd P30D)', () => {
  const end = '2026-04-01T00:00:00Z';

  it('plans an archive at end_time + P30D when end_time is set, cancelled by policy_override', () => {
    expect(campaign.archiveAfterEnd).toBe('P30D');
    expect(archiveIntent(campaign, undefined, ending('c1', end), NOW)).toEqual({
      action: 'archive',
      run_at: '2026-05-01T00:00:00.000Z',
      pattern: ARCHIVE_PATTERN,
      cancel_on: ['policy_override'],
      entity: { type: 'campaign', id: 'c1' },
    });
  });

  it('plans again when end_time moves, nothing when it is unchanged or absent', () => {
    const moved = archiveIntent(campaign, ending('c1', end), ending('c1', '2026-04-10T00:00:00Z'), NOW);
    expect(moved?.run_at).toBe('2026-05-10T00:00:00.000Z');
    expect(archiveIntent(campaign, ending('c1', end), ending('c1', end), NOW)).toBeUndefined();
    expect(archiveIntent(campaign, undefined, entity('c1'), NOW)).toBeUndefined();
    expect(archiveIntent(campaign, ending('c1', end), entity('c1'), NOW)).toBeUndefined();
  });

  it('plans nothing when end_time + P30D is not in the future (by the minimum lead)', () => {
    // Ended 30 days ago: the archive would be due now.
    const endedMonthAgo = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();
    expect(archiveIntent(campaign, undefined, ending('c1', endedMonthAgo), NOW)).toBeUndefined();
    const justInTime = new Date(NOW.getTime() - 30 * 86_400_000 + MIN_LEAD_MS).toISOString();
    expect(archiveIntent(campaign, undefined, ending('c1', justInTime), NOW)?.run_at).toBe(
      new Date(NOW.getTime() + MIN_LEAD_MS).toISOString(),
    );
    expect(archiveIntent(campaign, undefined, ending('c1', '2020-01-01T00:00:00Z'), NOW)).toBeUndefined();
  });

  it('plans nothing for a service without archiveAfterEnd', () => {
    expect(user.archiveAfterEnd).toBeUndefined();
    expect(archiveIntent(user, undefined, ending('u1', end), NOW)).toBeUndefined();
  });
});

describe('plannedIntents', () => {
  const end = '2026-04-01T00:00:00Z';

  it('on create with a finite retention: the retention intent', () => {
    expect(plannedIntents(user, undefined, entity('u1'), policy('P90D'), NOW).map((i) => i.pattern)).toEqual([
      RETENTION_PATTERN,
    ]);
  });

  it('on update: never a retention intent, even with a finite retention', () => {
    expect(plannedIntents(user, entity('u1'), entity('u1'), policy('P90D'), NOW)).toEqual([]);
  });

  it('on create with retention forever: nothing', () => {
    expect(plannedIntents(user, undefined, entity('u1'), policy('forever'), NOW)).toEqual([]);
  });

  it('on delete (no after): nothing', () => {
    expect(plannedIntents(campaign, ending('c1', end), undefined, policy('P90D'), NOW)).toEqual([]);
  });

  it('a campaign created with an end_time and a finite retention: retention then archive', () => {
    const planned = plannedIntents(campaign, undefined, ending('c1', end), policy('P1Y'), NOW);
    expect(planned.map((i) => [i.action, i.pattern, i.run_at])).toEqual([
      ['delete', RETENTION_PATTERN, '2027-03-01T12:00:00.000Z'],
      ['archive', ARCHIVE_PATTERN, '2026-05-01T00:00:00.000Z'],
    ]);
  });

  it('a campaign whose end_time moves on update: only the archive intent', () => {
    const planned = plannedIntents(
      campaign,
      ending('c1', end),
      ending('c1', '2026-06-01T00:00:00Z'),
      policy('P1Y'),
      NOW,
    );
    expect(planned.map((i) => i.pattern)).toEqual([ARCHIVE_PATTERN]);
  });
});

// ---------------------------------------------------------------------------------------

describe('ISO 8601 durations (lib/policy/duration.ts)', () => {
  const add = (from: string, d: string) => addDuration(new Date(from), d).toISOString();

  it('adds days, weeks, hours, minutes and seconds exactly', () => {
    expect(add('2026-01-01T00:00:00Z', 'P90D')).toBe('2026-04-01T00:00:00.000Z');
    expect(add('2026-01-01T00:00:00Z', 'P1W')).toBe('2026-01-08T00:00:00.000Z');
    expect(add('2026-01-01T00:00:00Z', 'PT15S')).toBe('2026-01-01T00:00:15.000Z');
    expect(add('2026-01-01T00:00:00Z', 'PT1H30M')).toBe('2026-01-01T01:30:00.000Z');
    expect(add('2026-01-01T00:00:00Z', 'P1DT1H1M1S')).toBe('2026-01-02T01:01:01.000Z');
    // UTC: a DST change in some zone does not move the result.
    expect(add('2026-03-28T12:00:00Z', 'P2D')).toBe('2026-03-30T12:00:00.000Z');
  });

  it('adds years and months on the calendar', () => {
    expect(add('2026-03-01T12:00:00Z', 'P1Y')).toBe('2027-03-01T12:00:00.000Z');
    expect(add('2026-01-15T08:00:00Z', 'P1M')).toBe('2026-02-15T08:00:00.000Z');
    expect(add('2026-11-15T00:00:00Z', 'P3M')).toBe('2027-02-15T00:00:00.000Z');
    expect(add('2026-01-31T00:00:00Z', 'P1Y2M3DT4H5M6S')).toBe('2027-04-03T04:05:06.000Z');
  });

  // Calendar arithmetic (ISO 8601, Temporal, java.time) clamps to the month's last day.
  it('clamps to the last day of a shorter month: P1M from Jan 31, P1Y from Feb 29', () => {
    expect(add('2026-01-31T10:00:00Z', 'P1M')).toBe('2026-02-28T10:00:00.000Z');
    expect(add('2024-01-31T10:00:00Z', 'P1M')).toBe('2024-02-29T10:00:00.000Z');
    expect(add('2024-02-29T10:00:00Z', 'P1Y')).toBe('2025-02-28T10:00:00.000Z');
    expect(add('2026-03-31T00:00:00Z', 'P1M')).toBe('2026-04-30T00:00:00.000Z');
  });

  it('rejects garbage', () => {
    for (const bad of [
      '',
      'P',
      'PT',
      'P1DT',
      '90D',
      'p90d',
      'P1.5D',
      'P-1D',
      'P1H',
      'PT1D',
      'forever',
      ' P1D',
    ])
      expect(() => addDuration(NOW, bad), bad).toThrowError(/Not an ISO 8601 duration/);
  });

  it('isFiniteRetention: durations yes, "forever" and garbage no', () => {
    for (const ok of ['P90D', 'P1Y', 'P7D', 'PT15S', 'P1W', 'P1Y2M3DT4H5M6S'])
      expect(isFiniteRetention(ok), ok).toBe(true);
    for (const no of ['forever', 'Forever', '', 'P', 'PT', '90D', 'P1.5D'])
      expect(isFiniteRetention(no), no).toBe(false);
  });
});
