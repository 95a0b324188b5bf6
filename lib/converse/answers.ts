/**
 * Answers to the questions of lib/converse/grammar.ts, from what the caller may read: the
 * intents, the audit trail and the knowledge graph, through a {@link ConverseReader} (the API
 * with the caller's own token, lib/converse/api.ts). Deterministic: the same question over the
 * same state gives the same answer (facts sorted; the clock only sets a relative reschedule).
 * Nothing here performs an action: a cancel or reschedule is proposed, with a confirmation token.
 */
import { EXAMPLE_QUESTIONS, type ParsedQuestion, parseQuestion, parseWhen } from './grammar.ts';

export interface IntentView {
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  pattern: string;
  run_at: string;
  cancel_on: string[];
  status: string;
  reason?: string;
  created_at?: string;
  updated_at?: string;
}

export interface AuditView {
  id: string;
  type: string;
  entity_id: string;
  entity_type: string;
  occurred_at: string;
  correlation_id: string;
  actor: { id: string; role: string };
  envelope: { payload?: Record<string, unknown> };
}

export interface ImpactView {
  service: string;
  direct_dependents: string[];
  transitive_dependents: string[];
  integrated_by: string[];
}

export interface GraphView {
  events: Record<string, { producers: string[]; consumers: string[] }>;
}

/** The API refused a read (the caller's role may not, or the thing does not exist). */
export class ReadRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly what: string,
  ) {
    super(message);
    this.name = 'ReadRefused';
  }
}

/** What answers read, each as the caller (throws {@link ReadRefused} on a 4xx). */
export interface ConverseReader {
  intents(entityId: string): Promise<IntentView[]>;
  audits(entityId: string): Promise<AuditView[]>;
  impact(service: string): Promise<ImpactView>;
  graph(): Promise<GraphView>;
}

/** An action an answer proposes; performed only by `POST /api/converse/confirm`. */
export interface ProposedAction {
  kind: 'cancel_intent' | 'reschedule_intent';
  description: string;
  method: 'DELETE' | 'PATCH';
  path: string;
  body?: Record<string, unknown>;
}

export type Fact = Record<string, unknown> & { kind: string };

export interface Answer {
  intent: ParsedQuestion['intent'];
  answer: string;
  facts: Fact[];
  /** Proposed, not performed: each gets a confirmation token from the route. */
  proposals?: ProposedAction[];
}

export interface AnswerContext {
  reader: ConverseReader;
  /** Entity types the platform knows (the registry's). */
  entityTypes: readonly string[];
  now: number;
}

const byRunAt = (a: IntentView, b: IntentView) =>
  a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const byTime = (a: AuditView, b: AuditView) =>
  a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id < b.id ? -1 : 1;
const list = (v: readonly string[]) => (v.length === 0 ? 'none' : v.join(', '));

const intentFact = (i: IntentView): Fact => ({
  kind: 'intent',
  id: i.id,
  action: i.action,
  pattern: i.pattern,
  status: i.status,
  run_at: i.run_at,
  cancel_on: [...i.cancel_on].sort(),
  ...(i.reason ? { reason: i.reason } : {}),
});

const eventFact = (a: AuditView): Fact => ({
  kind: 'event',
  id: a.id,
  type: a.type,
  occurred_at: a.occurred_at,
  actor: a.actor.id,
  role: a.actor.role,
  correlation_id: a.correlation_id,
  ...(a.envelope.payload?.action ? { action: a.envelope.payload.action } : {}),
  ...(a.envelope.payload?.pattern ? { pattern: a.envelope.payload.pattern } : {}),
});

/** Parse and answer one question. */
export async function answer(text: string, ctx: AnswerContext): Promise<Answer> {
  const q = parseQuestion(text);
  const { slots } = q;
  if (q.intent === 'unknown') return unknownAnswer();
  if (slots.type !== undefined && !ctx.entityTypes.includes(slots.type))
    return {
      intent: q.intent,
      answer: `I do not know the entity type "${slots.type}". Known types: ${ctx.entityTypes.join(', ')}.`,
      facts: [],
    };
  try {
    switch (q.intent) {
      case 'entity.future':
        return await future(slots.type as string, slots.id as string, ctx);
      case 'entity.why':
        return await why(slots.type as string, slots.id as string, slots.outcome as string, ctx);
      case 'service.dependents':
        return await dependents(slots.service as string, ctx);
      case 'event.impact':
        return await eventImpact(slots.event as string, ctx);
      case 'intent.cancel':
      case 'intent.reschedule':
        return await propose(q, ctx);
    }
  } catch (e) {
    if (!(e instanceof ReadRefused)) throw e;
    const who = e.status === 403 ? 'Your role may not read' : 'I could not read';
    return {
      intent: q.intent,
      answer: `${who} ${e.what} (${e.status} ${e.code}: ${e.message}).`,
      facts: [{ kind: 'refused', status: e.status, code: e.code, what: e.what }],
    };
  }
}

export function unknownAnswer(): Answer {
  return {
    intent: 'unknown',
    answer: `I did not understand that. Try: ${EXAMPLE_QUESTIONS.map((e) => `"${e}"`).join(', ')}.`,
    facts: EXAMPLE_QUESTIONS.map((example) => ({ kind: 'example', question: example })),
  };
}

async function ownIntents(type: string, id: string, ctx: AnswerContext): Promise<IntentView[]> {
  return (await ctx.reader.intents(id)).filter((i) => i.entity_type === type).sort(byRunAt);
}

async function future(type: string, id: string, ctx: AnswerContext): Promise<Answer> {
  const all = await ownIntents(type, id, ctx);
  const pending = all.filter((i) => i.status === 'scheduled' || i.status === 'executing');
  const past = all.filter((i) => !pending.includes(i));
  const lines = pending.map(
    (i) =>
      `${i.action} (${i.pattern}) at ${i.run_at}${i.cancel_on.length ? `, unless ${[...i.cancel_on].sort().join(' or ')} happens first` : ''}`,
  );
  const history = past.length
    ? ` Earlier: ${past.map((i) => `${i.action} (${i.pattern}) ${i.status}`).join('; ')}.`
    : '';
  return {
    intent: 'entity.future',
    answer:
      pending.length === 0
        ? `Nothing is scheduled for ${type} ${id}.${history}`
        : `${type} ${id} has ${pending.length} pending intent${pending.length === 1 ? '' : 's'}: ${lines.join('; ')}.${history}`,
    facts: [...pending, ...past].map(intentFact),
  };
}

/**
 * The event that did it: the scheduler's execution of a delete/archive intent when there is one
 * (it explains why), else the first archive update or the deletion itself.
 */
function outcomeEvent(trail: readonly AuditView[], type: string, outcome: string): AuditView | undefined {
  const action = outcome === 'deleted' ? 'delete' : 'archive';
  const executed = [...trail]
    .reverse()
    .find((a) => a.type === 'scheduler.executed' && a.envelope.payload?.action === action);
  if (executed) return executed;
  return outcome === 'deleted'
    ? trail.find((a) => a.type === `${type}.deleted`)
    : trail.find((a) => a.type === `${type}.updated` && a.envelope.payload?.state === 'archived');
}

/** `a → b ×2 → c`: the chain's types, repeats folded. */
function chainText(chain: readonly AuditView[]): string {
  const parts: Array<{ type: string; n: number }> = [];
  for (const a of chain) {
    const last = parts.at(-1);
    if (last?.type === a.type) last.n++;
    else parts.push({ type: a.type, n: 1 });
  }
  return parts.map((p) => (p.n > 1 ? `${p.type} ×${p.n}` : p.type)).join(' → ');
}

async function why(type: string, id: string, outcome: string, ctx: AnswerContext): Promise<Answer> {
  const trail = (await ctx.reader.audits(id)).filter((a) => a.entity_type === type).sort(byTime);
  const done = outcomeEvent(trail, type, outcome);
  if (!done)
    return {
      intent: 'entity.why',
      answer: `${type} ${id} was not ${outcome}: its audit trail (${trail.length} event${trail.length === 1 ? '' : 's'}) has no such event.`,
      facts: trail.map(eventFact),
    };
  // The chain: every event sharing the deciding event's correlation id (the request or the intent
  // that started it), up to the outcome and what the same intent did after it.
  const chain = trail.filter((a) => a.correlation_id === done.correlation_id || a === done);
  const scheduled = chain.find((a) => a.type === 'scheduler.schedule');
  const cancelOn = (scheduled?.envelope.payload?.cancel_on as string[] | undefined) ?? [];
  const start = chain[0];
  const because = scheduled
    ? `by the scheduler's ${String(scheduled.envelope.payload?.action)} intent "${String(scheduled.envelope.payload?.pattern)}", planned at ${scheduled.occurred_at} when ${start?.type} (by ${start?.actor.id}) happened${cancelOn.length ? `; none of ${cancelOn.join(', ')} came before it ran` : ''}`
    : `by ${done.actor.id} (${done.actor.role})`;
  return {
    intent: 'entity.why',
    answer: `${type} ${id} was ${outcome} at ${done.occurred_at} ${because}. Event chain: ${chainText(chain)}.`,
    facts: chain.map(eventFact),
  };
}

async function dependents(service: string, ctx: AnswerContext): Promise<Answer> {
  const r = await ctx.reader.impact(service);
  const direct = [...r.direct_dependents].sort();
  const indirect = r.transitive_dependents.filter((s) => !direct.includes(s)).sort();
  return {
    intent: 'service.dependents',
    answer: `${direct.length} service${direct.length === 1 ? '' : 's'} depend${direct.length === 1 ? 's' : ''} on ${r.service} directly (${list(direct)}); ${indirect.length} more through them (${list(indirect)}). Integrated by: ${list([...r.integrated_by].sort())}.`,
    facts: [
      ...direct.map((name) => ({ kind: 'service', name, relation: 'direct_dependent' })),
      ...indirect.map((name) => ({ kind: 'service', name, relation: 'transitive_dependent' })),
      ...[...r.integrated_by].sort().map((name) => ({ kind: 'service', name, relation: 'integrated_by' })),
    ],
  };
}

async function eventImpact(event: string, ctx: AnswerContext): Promise<Answer> {
  const g = await ctx.reader.graph();
  const entry = g.events[event];
  if (!entry)
    return {
      intent: 'event.impact',
      answer: `No service emits or consumes "${event}" in the knowledge graph.`,
      facts: [],
    };
  const consumers = [...entry.consumers].sort();
  const producers = [...entry.producers].sort();
  return {
    intent: 'event.impact',
    answer: `A change to ${event} reaches ${consumers.length} consumer${consumers.length === 1 ? '' : 's'} (${list(consumers)}); it is emitted by ${list(producers)}.`,
    facts: [
      ...consumers.map((name) => ({ kind: 'service', name, relation: 'consumer' })),
      ...producers.map((name) => ({ kind: 'service', name, relation: 'producer' })),
    ],
  };
}

async function propose(q: ParsedQuestion, ctx: AnswerContext): Promise<Answer> {
  const { type, id, pattern } = q.slots as { type: string; id: string; pattern: string };
  const wanted = pattern.toLowerCase();
  const pending = (await ownIntents(type, id, ctx)).filter(
    (i) => i.status === 'scheduled' && (i.pattern.toLowerCase() === wanted || i.action === wanted),
  );
  const target = pending[0];
  if (!target)
    return {
      intent: q.intent,
      answer: `${type} ${id} has no pending "${pattern}" intent to ${q.intent === 'intent.cancel' ? 'cancel' : 'reschedule'}.`,
      facts: [],
    };
  const path = `/api/scheduler/intents/${target.id}`;
  if (q.intent === 'intent.cancel')
    return {
      intent: q.intent,
      answer: `I can cancel the ${target.action} (${target.pattern}) of ${type} ${id} due at ${target.run_at}. Nothing is done until you confirm.`,
      facts: [intentFact(target)],
      proposals: [
        {
          kind: 'cancel_intent',
          description: `Cancel the ${target.action} (${target.pattern}) of ${type} ${id} due at ${target.run_at}`,
          method: 'DELETE',
          path,
        },
      ],
    };
  const when = parseWhen(q.slots.when ?? '', ctx.now);
  if (!when || when.getTime() <= ctx.now)
    return {
      intent: q.intent,
      answer: `"${q.slots.when}" is not a future time: use an ISO 8601 date or date-time (2030-01-31, 2030-01-31T09:00:00Z) or "in 3 days".`,
      facts: [intentFact(target)],
    };
  const runAt = when.toISOString();
  return {
    intent: q.intent,
    answer: `I can move the ${target.action} (${target.pattern}) of ${type} ${id} from ${target.run_at} to ${runAt}. Nothing is done until you confirm.`,
    facts: [intentFact(target)],
    proposals: [
      {
        kind: 'reschedule_intent',
        description: `Move the ${target.action} (${target.pattern}) of ${type} ${id} to ${runAt}`,
        method: 'PATCH',
        path,
        body: { run_at: runAt },
      },
    ],
  };
}
