/**
 * `consumerHandler(handlers)`: the handler of a Nexus consumer. EventBridge delivers
 * `{ source, 'detail-type', detail }` (rules are generated from the registry's `consumes`);
 * the stack is Powertools (tracing, logger, metrics) → envelope (Powertools parser,
 * EventBridge envelope) → correlation ids → idempotency (Powertools, on the envelope id,
 * when the function has an idempotency table) → the handler of the envelope's type.
 * At-least-once delivery and EventBridge retries never apply an event twice.
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { EventEnvelope } from '../events/envelope.ts';
import { logger, metrics } from '../observability.ts';
import { envelopeCorrelation, nexusEnvelope } from './middleware/envelope.ts';
import { powertools } from './powertools.ts';

export type EnvelopeHandler = (envelope: EventEnvelope) => Promise<void>;

/** Handlers by event type; `*` handles every type without a handler of its own. */
export type EnvelopeHandlers = Record<string, EnvelopeHandler>;

export interface ConsumerResult {
  handled: string;
}

export const isEventBridgeEvent = (e: unknown): e is EventBridgeEvent<string, unknown> =>
  typeof e === 'object' && e !== null && 'detail-type' in e && 'detail' in e && 'source' in e;

export interface ConsumerOptions {
  /** Table of the Powertools idempotency records; without one, handlers must be idempotent themselves. */
  idempotencyTable?: string;
  /** How long an envelope id is remembered (default 7 days, beyond EventBridge's 24 h retry window). */
  expiresAfterSeconds?: number;
}

/**
 * Powertools idempotency keyed on the envelope id (runs after `nexusEnvelope`).
 *
 * A duplicate delivered while the first is still running fails with
 * `IdempotencyAlreadyInProgressError`, and Lambda retries it later (then it replays the first
 * one's result). Powertools' `onError` would delete the idempotency record on that error too,
 * although the record is the *other* execution's: the retry would then run the handler a
 * second time. This middleware leaves the record alone in that case.
 */
export function envelopeIdempotency(table: string, expiresAfterSeconds = 7 * 24 * 3600): MiddlewareObj {
  const inner = makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: table }),
    config: new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds }),
  }) as MiddlewareObj;
  return {
    ...inner,
    onError: async (request) => {
      if (request.error instanceof IdempotencyAlreadyInProgressError) return;
      return inner.onError?.(request);
    },
  };
}

function dispatcher(handlers: EnvelopeHandlers) {
  return async (envelope: EventEnvelope): Promise<ConsumerResult> => {
    const handler = handlers[envelope.type] ?? handlers['*'];
    if (!handler) {
      logger.info('no handler for event type', { type: envelope.type });
      return { handled: 'ignored' };
    }
    await handler(envelope);
    metrics.addMetric('EventsConsumed', 'Count', 1);
    return { handled: envelope.type };
  };
}

function consumerStack(observed: boolean, handlers: EnvelopeHandlers, opts: ConsumerOptions) {
  const dispatch = dispatcher(handlers);
  return middy<EventBridgeEvent<string, unknown>, ConsumerResult, Error, Context>()
    .use(observed ? powertools() : [])
    .use(nexusEnvelope())
    .use(envelopeCorrelation())
    .use(opts.idempotencyTable ? [envelopeIdempotency(opts.idempotencyTable, opts.expiresAfterSeconds)] : [])
    .handler(async (event) => dispatch(event as unknown as EventEnvelope));
}

/** A Nexus consumer Lambda handler with the shared Powertools stack. */
export function consumerHandler(handlers: EnvelopeHandlers, opts: ConsumerOptions = {}) {
  return consumerStack(true, handlers, opts);
}

/**
 * The same consumer without the Powertools stack, for a Lambda that wraps its own
 * (lib/broadcast until it moves to `consumerHandler`). Prefer `consumerHandler`.
 */
export function eventConsumer(handlers: EnvelopeHandlers, opts: ConsumerOptions = {}) {
  return consumerStack(false, handlers, opts);
}
