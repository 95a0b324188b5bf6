import { describe, expect, it } from 'vitest';
import {
  type AuditView,
  answer,
  type ConverseReader,
  type IntentView,
  ReadRefused,
} from '../../../lib/converse/answers.ts';
import { normalise, parseQuestion, parseWhen } from '../../../lib/converse/grammar.ts';

describe('converse grammar: intents', () => {
  it.each([
    ['what will happen to user 01JABC?', 'entity.future', { type: 'user', id: '01JABC' }],
    ["What's going to happen to the campaign c-1", 'entity.future', { type: 'campaign', id: 'c-1' }],
    ['what happens to order o_9', 'entity.future', { type: 'order', id: 'o_9' }],
    ['what is scheduled for user u1', 'entity.future', { type: 'user', id: 'u1' }],
    ['why was campaign 01J archived?', 'entity.why', { type: 'campaign', id: '01J', outcome: 'archived' }],
    ['Why was user `u-7` deleted', 'entity.why', { type: 'user', id: 'u-7', outcome: 'deleted' }],
    ['why did user u7 get deleted', 'entity.why', { type: 'user', id: 'u7', outcome: 'deleted' }],
    ['what depends on campaign', 'service.dependents', { service: 'campaign' }],
    ['Who depends on the user service?', 'service.dependents', { service: 'user' }],
    ['what breaks if campaign.updated changes', 'event.impact', { event: 'campaign.updated' }],
    ['what would break if the user.reactivated event changed', 'event.impact', { event: 'user.reactivated' }],
    [
      'cancel the retention of user 01JX',
      'intent.cancel',
      { pattern: 'retention', type: 'user', id: '01JX' },
    ],
    [
      'Cancel archive-after-end for campaign c1.',
      'intent.cancel',
      { pattern: 'archive-after-end', type: 'campaign', id: 'c1' },
    ],
    [
      'reschedule the retention of user u1 to 2030-01-31',
      'intent.reschedule',
      { pattern: 'retention', type: 'user', id: 'u1', when: '2030-01-31' },
    ],
    ['postpone the retention of user u1 until in 3 days', 'intent.reschedule', { when: 'in 3 days' }],
  ])('%j → %s', (text, intent, slots) => {
    const q = parseQuestion(text);
    expect(q.intent).toBe(intent);
    expect(q.slots).toMatchObject(slots);
  });

  it.each([
    'hello',
    'delete user u1',
    'what will happen',
    'why was campaign archived',
    '',
    'drop table users;',
  ])('%j → unknown', (text) => {
    expect(parseQuestion(text)).toEqual({ intent: 'unknown', slots: {} });
  });

  it('normalises spaces, quotes and closing punctuation', () => {
    expect(normalise('  what   depends on "campaign" ?!  ')).toBe('what depends on campaign');
  });

  it('reads ISO dates and "in <n> <unit>" as reschedule times', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseWhen('2030-02-01', now)?.toISOString()).toBe('2030-02-01T00:00:00.000Z');
    expect(parseWhen('2030-02-01T09:30:00Z', now)?.toISOString()).toBe('2030-02-01T09:30:00.000Z');
    expect(parseWhen('in 2 hours', now)?.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    expect(parseWhen('next tuesday', now)).toBeUndefined();
    expect(parseWhen('2030-13-45', now)).toBeUndefined();
  });
});

const intent = (over: Partial<IntentView>): IntentView => ({
  id: 'int_1',
  entity_type: 'user',
  entity_id: 'u1',
  action: 'delete',
  pattern: 'retention',
  run_at: '2030-04-01T00:00:00.000Z',
  cancel_on: ['user.reactivated'],
  status: 'scheduled',
  ...over,
});

const audit = (
  type: string,
  at: string,
  payload: Record<string, unknown> = {},
  actor = 'dev-admin',
): AuditView => ({
  id: `${at}-${type}`,
  type,
  entity_id: 'c1',
  entity_type: 'campaign',
  occurred_at: at,
  correlation_id: 'corr-1',
  actor: { id: actor, role: actor === 'dev-admin' ? 'admin' : 'service' },
  envelope: { payload },
});

function reader(over: Partial<ConverseReader> = {}): ConverseReader {
  return {
    intents: async () => [],
    audits: async () => [],
    impact: async (service) => ({
      service,
      direct_dependents: ['security'],
      transitive_dependents: ['admin', 'security', 'user'],
      integrated_by: [],
    }),
    graph: async () => ({
      events: {
        'campaign.updated': { producers: ['campaign'], consumers: ['security', 'broadcast', 'amadeus'] },
      },
    }),
    ...over,
  };
}

const ctx = (r: ConverseReader) => ({
  reader: r,
  entityTypes: ['user', 'campaign', 'order'],
  now: Date.parse('2030-01-01T00:00:00Z'),
});

describe('converse answers', () => {
  it('what will happen: pending intents with their time and what cancels them; earlier ones after', async () => {
    const r = reader({
      intents: async () => [
        intent({ id: 'int_2', status: 'cancelled', run_at: '2029-01-01T00:00:00.000Z' }),
        intent({}),
        intent({ id: 'int_3', entity_type: 'campaign' }),
      ],
    });
    const a = await answer('what will happen to user u1?', ctx(r));
    expect(a).toEqual({
      intent: 'entity.future',
      answer:
        'user u1 has 1 pending intent: delete (retention) at 2030-04-01T00:00:00.000Z, unless user.reactivated happens first. Earlier: delete (retention) cancelled.',
      facts: [
        expect.objectContaining({ kind: 'intent', id: 'int_1', status: 'scheduled' }),
        expect.objectContaining({ kind: 'intent', id: 'int_2', status: 'cancelled' }),
      ],
    });
    expect(await answer('what will happen to user u1?', ctx(r))).toEqual(a);
  });

  it('why archived: the scheduler intent and the event chain', async () => {
    const r = reader({
      audits: async () => [
        audit(
          'scheduler.executed',
          '2030-01-01T00:01:00.000Z',
          { action: 'archive', pattern: 'archive-after-end' },
          'tempora.scheduler',
        ),
        audit('campaign.created', '2030-01-01T00:00:00.000Z'),
        audit('scheduler.schedule', '2030-01-01T00:00:00.001Z', {
          action: 'archive',
          pattern: 'archive-after-end',
          cancel_on: ['policy_override'],
        }),
        audit('campaign.updated', '2030-01-01T00:00:59.000Z', { state: 'archived' }, 'tempora.scheduler'),
        audit('campaign.updated', '2030-01-01T00:01:01.000Z', { state: 'archived' }, 'tempora.scheduler'),
      ],
    });
    const a = await answer('why was campaign c1 archived', ctx(r));
    expect(a.intent).toBe('entity.why');
    expect(a.answer).toBe(
      'campaign c1 was archived at 2030-01-01T00:01:00.000Z by the scheduler\'s archive intent "archive-after-end", planned at 2030-01-01T00:00:00.001Z when campaign.created (by dev-admin) happened; none of policy_override came before it ran. Event chain: campaign.created → scheduler.schedule → campaign.updated → scheduler.executed → campaign.updated.',
    );
    expect(a.facts.map((f) => f.type)).toEqual([
      'campaign.created',
      'scheduler.schedule',
      'campaign.updated',
      'scheduler.executed',
      'campaign.updated',
    ]);
    const deleted = await answer('why was campaign c1 deleted', ctx(r));
    expect(deleted.answer).toMatch(
      /^campaign c1 was not deleted: its audit trail \(5 events\) has no such event/,
    );
  });

  it('what depends on: direct and transitive dependents from the graph', async () => {
    const a = await answer('what depends on campaign', ctx(reader()));
    expect(a.answer).toBe(
      '1 service depends on campaign directly (security); 2 more through them (admin, user). Integrated by: none.',
    );
    expect(a.facts).toEqual([
      { kind: 'service', name: 'security', relation: 'direct_dependent' },
      { kind: 'service', name: 'admin', relation: 'transitive_dependent' },
      { kind: 'service', name: 'user', relation: 'transitive_dependent' },
    ]);
  });

  it('what breaks if an event changes: its consumers and producers', async () => {
    const a = await answer('what breaks if campaign.updated changes', ctx(reader()));
    expect(a.answer).toBe(
      'A change to campaign.updated reaches 3 consumers (amadeus, broadcast, security); it is emitted by campaign.',
    );
    expect((await answer('what breaks if nope.event changes', ctx(reader()))).answer).toMatch(/No service/);
  });

  it('cancel and reschedule propose an action and perform nothing', async () => {
    const calls: string[] = [];
    const r = reader({
      intents: async (id) => {
        calls.push(`intents ${id}`);
        return [intent({})];
      },
    });
    const cancel = await answer('cancel the retention of user u1', ctx(r));
    expect(cancel.proposals).toEqual([
      {
        kind: 'cancel_intent',
        description: 'Cancel the delete (retention) of user u1 due at 2030-04-01T00:00:00.000Z',
        method: 'DELETE',
        path: '/api/scheduler/intents/int_1',
      },
    ]);
    const move = await answer('reschedule the retention of user u1 to in 2 days', ctx(r));
    expect(move.proposals?.[0]).toMatchObject({
      kind: 'reschedule_intent',
      method: 'PATCH',
      body: { run_at: '2030-01-03T00:00:00.000Z' },
    });
    expect(calls).toEqual(['intents u1', 'intents u1']);
    expect(
      (await answer('reschedule the retention of user u1 to 2020-01-01', ctx(r))).proposals,
    ).toBeUndefined();
    expect((await answer('cancel the archive of user u1', ctx(r))).answer).toMatch(
      /no pending "archive" intent/,
    );
  });

  it('a read the role may not make is said as such, never guessed', async () => {
    const r = reader({
      intents: async () => {
        throw new ReadRefused(403, 'forbidden', 'Role user may not call this route', 'the scheduler intents');
      },
    });
    const a = await answer('what will happen to user u1', ctx(r));
    expect(a.answer).toBe(
      'Your role may not read the scheduler intents (403 forbidden: Role user may not call this route).',
    );
    expect(a.facts).toEqual([
      { kind: 'refused', status: 403, code: 'forbidden', what: 'the scheduler intents' },
    ]);
  });

  it('an unknown question gets three examples; an unknown type names the known ones', async () => {
    const a = await answer('tell me a joke', ctx(reader()));
    expect(a.intent).toBe('unknown');
    expect(a.facts).toHaveLength(3);
    expect((await answer('what will happen to spaceship s1', ctx(reader()))).answer).toBe(
      'I do not know the entity type "spaceship". Known types: user, campaign, order.',
    );
  });
});
