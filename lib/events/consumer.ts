/**
 * Consuming Nexus events: EventBridge delivers `{ source, 'detail-type', detail }` to a
 * service's Lambda (rules are generated from the registry's `consumes`). Each envelope is
 * validated and handled once per envelope id (Powertools idempotency on a shared table), so
 * at-least-once delivery and EventBridge retries never apply an event twice.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { logger, metrics } from '../observability.ts';
import { type EventEnvelope, envelopeSchema } from './envelope.ts';

export type EnvelopeHandler = (envelope: EventEnvelope) => Promise<void>;

/** Handlers by event type; `*` handles every type without a handler of its own. */
export type EnvelopeHandlers = Record<string, EnvelopeHandler>;

export const isEventBridgeEvent = (e: unknown): e is EventBridgeEvent<string, unknown> =>
  typeof e === 'object' && e !== null && 'detail-type' in e && 'detail' in e && 'source' in e;

export interface ConsumerOptions {
  /** Table of the Powertools idempotency records; without one, handlers must be idempotent themselves. */
  idempotencyTable?: string;
  /** How long an envelope id is remembered (default 7 days, beyond EventBridge's 24 h retry window). */
  expiresAfterSeconds?: number;
}

export function eventConsumer(handlers: EnvelopeHandlers, opts: ConsumerOptions = {}) {
  const dispatch = async (envelope: EventEnvelope): Promise<{ handled: string }> => {
    const handler = handlers[envelope.type] ?? handlers['*'];
    if (!handler) {
      logger.info('no handler for event type', { type: envelope.type });
      return { handled: 'ignored' };
    }
    await handler(envelope);
    metrics.addMetric('EventsConsumed', 'Count', 1);
    return { handled: envelope.type };
  };
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    expiresAfterSeconds: opts.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  const once = opts.idempotencyTable
    ? makeIdempotent(dispatch, {
        persistenceStore: new DynamoDBPersistenceLayer({ tableName: opts.idempotencyTable }),
        config,
      })
    : dispatch;

  return async (event: EventBridgeEvent<string, unknown>, context: Context): Promise<{ handled: string }> => {
    config.registerLambdaContext(context);
    const parsed = envelopeSchema.safeParse(event.detail);
    if (!parsed.success) {
      // Never becomes valid: fail so the event ends in the target's dead-letter queue, not lost.
      logger.error('invalid event envelope', {
        detailType: event['detail-type'],
        issues: parsed.error.issues,
      });
      metrics.addMetric('InvalidEnvelope', 'Count', 1);
      throw new Error(`Invalid envelope for ${event['detail-type']}`);
    }
    logger.appendKeys({
      correlation_id: parsed.data.correlation_id,
      event_id: parsed.data.id,
      event_type: parsed.data.type,
    });
    return once(parsed.data as EventEnvelope);
  };
}
