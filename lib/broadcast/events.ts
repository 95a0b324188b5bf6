/**
 * Envelopes of the events the broadcast service emits (through the outbox):
 * `broadcast.started`, `broadcast.stopped`, `campaign.score`, and the `scheduler.schedule`
 * request that wakes the controller before a future start_time.
 */
import type { Principal } from '../auth/tokens.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';

/** The principal the broadcaster acts as when nobody asked (ticker, controller). */
export const BROADCAST_ACTOR: Principal = { sub: 'tempora.broadcast', role: 'service' };
/** Scheduler pattern of the intent that starts a ticker ahead of start_time. */
export const START_PATTERN = 'broadcast.start';

const correlation = (id: string): string => (id.length >= 8 ? id.slice(0, 128) : `broadcast-${id}`);

export function broadcastEnvelope(input: {
  type: string;
  environment: string;
  campaignId: string;
  /** `entity.version`: the broadcast epoch for notices, 0 for scores. */
  version: number;
  correlationId: string;
  actor?: Principal;
  payload: Record<string, unknown>;
}): EventEnvelope {
  const actor = input.actor ?? BROADCAST_ACTOR;
  return buildEnvelope({
    type: input.type,
    service: 'broadcast',
    environment: input.environment,
    correlationId: correlation(input.correlationId),
    actor: { id: actor.sub, role: actor.role },
    entity: { type: 'campaign', id: input.campaignId, version: input.version },
    payload: input.payload,
  });
}

/** `scheduler.schedule` of a `run_pattern` intent firing `broadcast.start` at `runAt`. */
export function startIntentEnvelope(input: {
  environment: string;
  campaignId: string;
  runAt: string;
  startsAt: string;
  correlationId: string;
}): EventEnvelope {
  return broadcastEnvelope({
    type: 'scheduler.schedule',
    environment: input.environment,
    campaignId: input.campaignId,
    version: 0,
    correlationId: input.correlationId,
    payload: {
      action: 'run_pattern',
      run_at: input.runAt,
      pattern: START_PATTERN,
      cancel_on: ['campaign.deleted'],
      entity: { type: 'campaign', id: input.campaignId },
      payload: { start_time: input.startsAt },
    },
  });
}
