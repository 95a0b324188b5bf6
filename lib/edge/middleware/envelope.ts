/**
 * Nexus envelopes (one concern each): `nexusEnvelope()` unwraps EventBridge's `detail` and
 * validates it against the contract's envelope (Powertools parser, EventBridge envelope);
 * `envelopeCorrelation()` puts the envelope's ids on every log line.
 */
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import type { EventEnvelope } from '../../events/envelope.ts';
import { envelopeSchema } from '../../events/envelope.ts';
import { logger, metrics } from '../../observability.ts';

type ParsedEnvelope =
  | { success: true; data: EventEnvelope }
  | { success: false; error: Error; originalEvent?: unknown };

const detailTypeOf = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as Record<string, unknown>)['detail-type'] : undefined;

/**
 * EventBridge event → validated envelope. An invalid one never becomes valid: it is logged,
 * counted (`InvalidEnvelope`) and fails the invocation so it ends in the target's
 * dead-letter queue instead of being lost.
 */
export function nexusEnvelope(): MiddlewareObj[] {
  const unwrap = parser({ schema: envelopeSchema, envelope: EventBridgeEnvelope, safeParse: true });
  const reject: MiddlewareObj = {
    before: async (request: Request) => {
      const parsed = request.event as ParsedEnvelope;
      if (parsed.success) {
        request.event = parsed.data;
        return;
      }
      const cause = (parsed.error as Error & { cause?: { issues?: unknown } }).cause;
      const detailType = detailTypeOf(parsed.originalEvent);
      logger.error('invalid event envelope', { detailType, issues: cause?.issues ?? parsed.error.message });
      metrics.addMetric('InvalidEnvelope', 'Count', 1);
      throw new Error(`Invalid envelope for ${String(detailType)}`);
    },
  };
  return [unwrap as MiddlewareObj, reject];
}

export function envelopeCorrelation(): MiddlewareObj {
  return {
    before: async (request: Request) => {
      const e = request.event as EventEnvelope;
      logger.appendKeys({ correlation_id: e.correlation_id, event_id: e.id, event_type: e.type });
    },
  };
}
